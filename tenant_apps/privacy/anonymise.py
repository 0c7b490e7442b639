"""What deleting a member's personal data does (docs/personal-data.md#what-deletion-does):
one function, inside the handling's transaction.

Anonymised: the account (name 已注销会员 + its id, no phone, e-mail or password; every
session ended), the record's values and contacts, the answers of every application, change
request and council form, the uploads and pictures (deleted, files and all), market posts'
contact details (the posts withdrawn), inbox messages, the values in the audit of the
record's changes, the delivery details of receipt requests, the roster listing.

Kept, as the law on accounting records requires: orders and their amounts and dates, bank
vouchers, fee receipts (their title and tax id: a unit's name and credit code, or the name
the receipt was made out to) and the membership number with its history of moves. A unit's
name and credit code (not a natural person's data, and on its receipts) stay in the record.
Certificates are revoked; the membership is withdrawn."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from huiji.audit.models import AuditEntry
from huiji.configdoc import keyed_nodes
from tenant_apps.privacy.models import ConsentRecord


def anonymised_name(user) -> str:
    return _("Deleted member %(id)s") % {"id": user.pk}


def _kept_values(values: dict, document: dict) -> dict:
    """A unit's receipt title and tax id (fields marked `receipt`): not personal data."""
    keys = {node["key"] for node in keyed_nodes(document) if node.get("receipt")}
    return {k: v for k, v in (values or {}).items() if k in keys}


def anonymise_member(*, acting_user, user) -> dict:
    from tenant_apps.applications.models import Application, ApplicationUpload, Status
    from tenant_apps.billing.models import InvoiceRequest
    from tenant_apps.council_forms.models import CouncilFormAnswer
    from tenant_apps.files.models import PrivateFile
    from tenant_apps.marketplace.models import Post
    from tenant_apps.memberships.models import Membership
    from tenant_apps.notifications.models import InboxMessage, OutboxMessage
    from tenant_apps.records.models import ChangeRequest, ChangeRequestProof, Contact
    from tenant_apps.roster.services import consent_withdraw

    counts: dict[str, int] = {}
    membership = Membership.objects.filter(user=user).select_related("member_type").first()
    # the membership ends (orders unpaid cancelled, certificates revoked, change requests
    # closed) through the one withdrawal
    if membership is not None and membership.status not in (Membership.Status.WITHDRAWN,
                                                             Membership.Status.LAPSED):
        from tenant_apps.memberships.services import membership_withdraw

        membership_withdraw(membership=membership, actor=acting_user, by_staff=True,
                            reason=_("Personal data deleted at the member's request"))
    for application in Application.objects.filter(applicant=user).exclude(
            status__in=[Status.COMPLETED, Status.WITHDRAWN, Status.REJECTED]):
        from tenant_apps.applications.services import application_withdraw

        application_withdraw(application=application, actor=user)
    consent_withdraw(user=user, where=ConsentRecord.Where.DELETION)
    _consents_withdrawn(user)

    from tenant_apps.records.services import _revision_document

    document = _revision_document()
    record = getattr(membership, "record", None) if membership else None
    if record is not None:
        record.values = _kept_values(record.values, document)
        record.save(update_fields=["values", "updated_at"])
        counts["contacts"] = Contact.objects.filter(record=record).delete()[0]
        # the audit keeps who changed which field when, not the values
        for entry in AuditEntry.objects.filter(
                Q(target_type="MemberRecord", target_id=str(record.pk))
                | Q(data__record=record.pk)):
            data = entry.data or {}
            entry.data = {"anonymised": True,
                          "fields": sorted((data.get("changes") or {}).keys())}
            entry.save(update_fields=["data"])
        requests = ChangeRequest.objects.filter(record=record)
        counts["change_requests"] = requests.update(changes={}, note="")
        proofs = list(ChangeRequestProof.objects.filter(request__record=record)
                      .values_list("file_id", flat=True))
        ChangeRequestProof.objects.filter(request__record=record).delete()
    else:
        proofs = []
    applications = Application.objects.filter(applicant=user)
    for application in applications:
        application.answers = _kept_values(application.answers, application.revision.document)
        application.change_reason = ""
        application.save(update_fields=["answers", "change_reason", "updated_at"])
    uploads = list(ApplicationUpload.objects.filter(application__applicant=user)
                   .values_list("file_id", flat=True))
    ApplicationUpload.objects.filter(application__applicant=user).delete()
    if membership is not None:
        CouncilFormAnswer.objects.filter(membership=membership).update(answers={})
    for post in Post.objects.filter(author=user):
        post.contact_name = post.contact_phone = post.contact_email = ""
        post.show_contact = False
        if post.status in (Post.Status.PENDING, Post.Status.PUBLISHED):
            post.status = Post.Status.WITHDRAWN
        post.save()
    from tenant_apps.marketplace.models import PostImage

    images = list(PostImage.objects.filter(post__author=user).values_list("file_id", flat=True))
    PostImage.objects.filter(post__author=user).delete()
    InvoiceRequest.objects.filter(requester=user).update(name="", phone="", email="",
                                                         address="", postcode="", note="")
    counts["messages"] = InboxMessage.objects.filter(user=user).delete()[0]
    # delivered messages keep that they were sent, not to where or what they said
    OutboxMessage.objects.filter(recipient=user).exclude(
        status=OutboxMessage.Status.PENDING).update(address="", body="", params={})
    counts["files"] = _delete_files(PrivateFile.objects.filter(
        Q(owner=user) | Q(pk__in=uploads + proofs + images)))

    user.name = anonymised_name(user)
    user.username = f"deleted-{user.public_id}"
    user.phone, user.email = None, None
    user.set_unusable_password()
    user.is_active = False
    user.session_epoch += 1  # every session of the account ends
    user.save()
    if membership is not None:
        from tenant_apps.certificates.services import certificates_refresh
        from tenant_apps.directory.services import refresh_entries

        certificates_refresh(membership.pk, actor=acting_user)
        refresh_entries([membership.pk])
    return counts


def _consents_withdrawn(user) -> None:
    """Every consent still in force, withdrawn (the roster's by its own service above)."""
    from tenant_apps.privacy.services import consent_record, consents_in_force

    for row in consents_in_force(user):
        consent_record(user=user, purpose=row.purpose, given=False, subject=row.subject,
                       where=ConsentRecord.Where.DELETION)


def _delete_files(files) -> int:
    """Delete the files (rows and stored content); one a financial record still points at
    (a bank voucher, an issued receipt) is kept. Returns how many went."""
    deleted = 0
    for stored in files:
        try:
            with transaction.atomic():
                name = stored.file.name
                stored.delete()
        except ProtectedError:
            continue
        storage = stored.file.storage
        transaction.on_commit(lambda n=name, st=storage: st.delete(n))
        deleted += 1
    return deleted
