"""The tenant-isolation registry: one entry per kind of object an association owns.

Every feature that adds an object reachable by URL, API or file adds a case here. Each case
makes an object in one association (as `owner_role`) and names the URL that reaches it; the
suite then proves that nobody from another association gets anything but 404 for it, whether
asking on their own host or carrying a session to the owner's host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.accounts.models import User
from tenant_apps.files.services import private_file_store


@dataclass(frozen=True)
class IsolationCase:
    name: str
    channel: str  # "page", "api" or "file"
    owner_role: str
    # Called inside the owning association's schema; returns the object's path.
    make: Callable[[User], str]
    # Roles allowed to open this kind of page at all. Others are refused (403) before any
    # lookup, which reveals nothing; within these roles a foreign object must be 404.
    roles: frozenset[str] | None = None
    # Whether the association's staff may open it too (an applicant's own pages: no).
    staff_can_reach: bool = True


def _user_api(owner: User) -> str:
    return f"/api/v1/users/{owner.public_id}/"


def _private_file(owner: User) -> str:
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 private", "application/pdf")
    record = private_file_store(acting_user=owner, owner=owner, uploaded=upload,
                                content_type="application/pdf")
    return f"/files/{record.public_id}/"


def _config_field(owner: User) -> str:
    from tenant_apps.configuration.models import FormField

    field = FormField.objects.filter(step__member_type__code="senior").first()
    return f"/manage/config/types/senior/fields/{field.pk}/"


def _application_page(owner: User) -> str:
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    application = application_start(applicant=owner,
                                    member_type=MemberType.objects.get(code="regular"))
    return f"/apply/{application.public_id}/confirm/"


def _application_for_review(owner: User) -> str:
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import application_start, application_submit
    from tenant_apps.applications.tests.helpers import complete
    from tenant_apps.configuration.models import MemberType

    person = user_create(acting_user=None, name="待审申请人", phone="13988887777",
                         password="Qx-9876-passw0rd")
    application = application_start(applicant=person,
                                    member_type=MemberType.objects.get(code="senior"))
    complete(application)
    application_submit(application=application, actor=person)
    return f"/review/{application.public_id}/"


def _application_upload(owner: User) -> str:
    from tenant_apps.applications.services import application_add_upload, application_start
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.configuration.models import MemberType, UploadRequirement

    mtype = MemberType.objects.get(code="regular")
    UploadRequirement.objects.get_or_create(member_type=mtype, key="proof", defaults={
        "label": "证明", "kinds": ["image"], "max_size_mb": 2, "max_count": 1})
    from tenant_apps.configuration.services import revision_record

    revision_record(acting_user=None, summary="an upload for the isolation suite")
    application = application_start(applicant=owner, member_type=mtype)
    upload = application_add_upload(application=application, actor=owner, requirement="proof",
                                    uploaded=SimpleUploadedFile("proof.png", PNG))
    return f"/files/{upload.file.public_id}/"


def _inbox_message_api(owner: User) -> str:
    from tenant_apps.notifications.models import InboxMessage

    message = InboxMessage.objects.create(user=owner, title="欢迎", body="欢迎入会")
    return f"/api/v1/messages/{message.pk}/"


def _application_api(owner: User) -> str:
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    application = application_start(applicant=owner,
                                    member_type=MemberType.objects.get(code="regular"))
    return f"/api/v1/applications/{application.public_id}/timeline/"


def _order(owner: User, status: str = "pending"):
    from tenant_apps.billing.models import Order
    from tenant_apps.configuration.models import MemberType

    return Order.objects.create(
        number=f"ISO{owner.pk:013d}", transfer_reference=f"HJISO{owner.pk:04d}", kind="join",
        payer=owner, member_type=MemberType.objects.get(code="regular"), years=1,
        unit_amount_fen=5000, amount_fen=5000, expires_at="2099-01-01T00:00:00Z",
        status=status)


def _order_page(owner: User) -> str:
    return f"/member/orders/{_order(owner).number}/"


def _order_api(owner: User) -> str:
    return f"/api/v1/orders/{_order(owner).number}/"


def _voucher(payer: User):
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.billing.services import voucher_upload
    from tenant_apps.billing.tests.online import connect_bank

    connect_bank()
    return voucher_upload(order=_order(payer), actor=payer,
                          uploaded=SimpleUploadedFile("transfer.png", PNG))


def _voucher_on_order_page(owner: User) -> str:
    return f"/member/orders/{_voucher(owner).order.number}/"


def _voucher_file(owner: User) -> str:
    return f"/files/{_voucher(owner).file.public_id}/"


def _someone_paying() -> User:
    from tenant_apps.accounts.services import user_create

    return user_create(acting_user=None, name="付款会员", phone="13988886666",
                       password="Qx-9876-passw0rd")


def _voucher_for_finance(owner: User) -> str:
    return f"/finance/vouchers/{_voucher(_someone_paying()).pk}/"


_RECEIPT_DETAILS = {"title": "隔离测试单位", "name": "王五", "phone": "13912345678",
                    "email": "wangwu@example.test"}


def _invoice_request_for_finance(owner: User) -> str:
    from tenant_apps.billing.invoices import invoice_request

    payer = _someone_paying()
    request = invoice_request(order=_order(payer, status="confirmed"), actor=payer,
                              details=_RECEIPT_DETAILS)
    return f"/finance/invoices/{request.pk}/"


def _issued_receipt(owner: User) -> str:
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.tests.helpers import PDF
    from tenant_apps.billing.invoices import invoice_issue, invoice_request

    finance = user_create(acting_user=None, name="开票财务", username="iso-finance",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    request = invoice_request(order=_order(owner, status="confirmed"), actor=owner,
                              details=_RECEIPT_DETAILS)
    issued = invoice_issue(request=request, actor=finance,
                           uploaded=SimpleUploadedFile("receipt.pdf", PDF))
    return f"/files/{issued.receipt.public_id}/"


def _borrowing(owner: User):
    from tenant_apps.billing.invoices import invoice_request
    from tenant_apps.configuration.models import AssociationSettings

    # Lend receipts before payment, as CAQ does.
    AssociationSettings.objects.update(invoice_borrowing=True)
    return invoice_request(order=_order(owner), actor=owner, details=_RECEIPT_DETAILS,
                           borrow=True)


def _borrow_pdf(owner: User) -> str:
    request = _borrowing(owner)
    return f"/member/orders/{request.order.number}/invoice/{request.pk}/borrow.pdf"


def _stamped_borrowing_request(owner: User) -> str:
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.billing.invoices import invoice_stamped_upload

    request = invoice_stamped_upload(request=_borrowing(owner), actor=owner,
                                     uploaded=SimpleUploadedFile("stamped.png", PNG))
    return f"/files/{request.stamped_request.public_id}/"


def _application_form_pdf(owner: User) -> str:
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    application = application_start(applicant=owner,
                                    member_type=MemberType.objects.get(code="regular"))
    return f"/apply/{application.public_id}/form.pdf"


def _staff_member(owner: User) -> User:
    from tenant_apps.accounts.services import staff_invite

    return staff_invite(acting_user=owner, name="隔离测试秘书处", phone="13988885555",
                        roles=["secretariat"]).user


def _staff_page(owner: User) -> str:
    return f"/manage/staff/{_staff_member(owner).public_id}/"


def _staff_api(owner: User) -> str:
    return f"/api/v1/staff/{_staff_member(owner).public_id}/"


def _level_change_page(owner: User) -> str:
    from tenant_apps.applications.services import level_change_start
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_activate

    membership = Membership.objects.filter(user=owner).first() or membership_activate(
        acting_user=None, user=owner, member_type=MemberType.objects.get(code="regular"),
        rank=None, years=1)
    change = level_change_start(membership=membership, actor=owner,
                                member_type=MemberType.objects.get(code="senior"),
                                reason="晋升高级职称")
    return f"/apply/{change.public_id}/confirm/"


def _membership_history_api(owner: User) -> str:
    """A membership's history, periods and reminders (the lifecycle's objects)."""
    import datetime as dt

    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.lifecycle import lifecycle_run
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_activate

    membership = Membership.objects.filter(user=owner).first() or membership_activate(
        acting_user=None, user=owner, member_type=MemberType.objects.get(code="regular"),
        rank=None, years=1, start=dt.date(2025, 3, 1))
    Membership.objects.filter(pk=membership.pk).update(valid_until=dt.date(2025, 12, 31))
    lifecycle_run(today=dt.date(2025, 12, 1))   # a reminder
    lifecycle_run(today=dt.date(2026, 1, 1))    # a move in the history
    return f"/api/v1/memberships/{membership.number}/history/"


def _record_of(user: User):
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import MemberRecord

    membership = Membership.objects.filter(user=user).first() or membership_activate(
        acting_user=None, user=user, member_type=MemberType.objects.get(code="regular"),
        rank=None, years=1)
    return MemberRecord.objects.get_or_create(membership=membership,
                                              defaults={"values": {"name": "某会员"}})[0]


def _someone() -> User:
    from tenant_apps.accounts.services import user_create

    return user_create(acting_user=None, name="某会员", phone="13988886666",
                       password="Qx-9876-passw0rd")


def _member_record_page(owner: User) -> str:
    return f"/manage/members/{_record_of(_someone()).membership.number}/"


def _member_record_api(owner: User) -> str:
    return f"/api/v1/members/{_record_of(_someone()).membership.number}/"


def _member_record_edit_page(owner: User) -> str:
    """Staff's edit of a tab of a member's record (members.manage)."""
    return f"/manage/members/{_record_of(_someone()).membership.number}/edit/0/"


def _member_withdraw_page(owner: User) -> str:
    """Staff's 退会 of a member (members.withdraw), a page to confirm with the reason."""
    return f"/manage/members/{_record_of(_someone()).membership.number}/withdraw/"


def _member_tab(show: str):
    """A tab of the staff member page (records/member_views.member_section)."""
    def make(owner: User) -> str:
        return f"/manage/members/{_record_of(_someone()).membership.number}/?show={show}"
    return make


def _member_action_page(action: str):
    """An action's page to confirm on the staff member page (renew by hand, reset the
    login; suspend and reinstate go the same way)."""
    def make(owner: User) -> str:
        return f"/manage/members/{_record_of(_someone()).membership.number}/{action}/"
    return make


def _certificate_of(user: User):
    """A paper certificate (CMES 高级会员: issued without waiting for a photo)."""
    from tenant_apps.certificates.models import Certificate
    from tenant_apps.certificates.services import certificates_refresh
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate

    membership = membership_activate(acting_user=None, user=user, rank=None, years=1,
                                     member_type=MemberType.objects.get(code="senior"))
    certificates_refresh(membership)
    return Certificate.objects.get(membership=membership, kind="paper")


def _certificate_pdf(owner: User) -> str:
    return f"/member/certificates/{_certificate_of(owner).number}/certificate.pdf"


def _certificate_image(owner: User) -> str:
    return f"/member/certificates/{_certificate_of(owner).number}/image.png"


def _certificate_staff_pdf(owner: User) -> str:
    return f"/manage/certificates/{_certificate_of(_someone()).number}/certificate.pdf"


def _certificate_reissue_page(owner: User) -> str:
    from tenant_apps.records.models import MemberRecord

    certificate = _certificate_of(_someone())
    MemberRecord.objects.create(membership=certificate.membership, values={})
    return (f"/manage/members/{certificate.membership.number}/certificates/"
            f"{certificate.number}/reissue/")


def _directory_entry(owner: User) -> str:
    """A member's row of the staff list (DirectoryEntry): the link the list gives it."""
    from tenant_apps.directory.selectors import member_search

    _record_of(_someone())  # activation and record: the row is refreshed there
    (row,) = member_search(owner, {"q": "13988886666"}).rows
    return row["url"]


def _saved_search(owner: User) -> str:
    """A staff member's saved search (SavedSearch), opened at its own address."""
    from tenant_apps.directory.services import saved_search_create

    saved = saved_search_create(owner=owner, name="欠费会员", params={"status": "overdue"})
    return f"/manage/member-searches/{saved.pk}/"


def _announcement_edit(owner: User) -> str:
    """An announcement's staff page (the write form), in an association that has them on."""
    from tenant_apps.announcements.services import announcement_save, settings_apply

    settings_apply(enabled=True, title="")
    announcement = announcement_save(acting_user=owner, announcement=None, title="年会通知",
                                     body="<p>正文</p>", audience="members")
    return f"/manage/announcements/{announcement.public_id}/"


def _contact_api(owner: User) -> str:
    from tenant_apps.records.models import Contact

    contact = Contact.objects.create(record=_record_of(owner), role="联系人", name="联系人甲",
                                     mobile="13988885555")
    return f"/api/v1/member/contacts/{contact.pk}/"


def _change_request(owner: User):
    from tenant_apps.records.models import ChangeRequest

    return ChangeRequest.objects.create(
        record=_record_of(owner), kind="info", requested_by=owner,
        changes={"name": {"old": "某会员", "new": "某新名"}},
        steps=[{"name": "资料变更审核", "role": "hq_reviewer", "branch_routed": False}],
        review_role="hq_reviewer")


def _change_request_page(owner: User) -> str:
    return f"/member/requests/{_change_request(owner).public_id}/"


def _change_request_review(owner: User) -> str:
    return f"/review/changes/{_change_request(_someone()).public_id}/"


def _change_request_api(owner: User) -> str:
    return f"/api/v1/change-requests/{_change_request(_someone()).public_id}/"


def _change_proof(owner: User) -> str:
    from tenant_apps.records.models import ChangeRequestProof

    upload = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", "application/pdf")
    stored = private_file_store(acting_user=owner, owner=owner, uploaded=upload,
                                content_type="application/pdf")
    ChangeRequestProof.objects.create(request=_change_request(owner), file=stored)
    return f"/files/{stored.public_id}/"



def _bulk_job(owner: User, kind: str = "export"):
    """A bulk action's job (tenant_apps/bulk): an export with its file, or a message."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from tenant_apps.bulk.models import BulkJob

    job = BulkJob.objects.create(kind=kind, requested_by=owner, params={"status": ["active"]},
                                 status="done", total=1, done=1, finished_at=timezone.now(),
                                 expires_at=timezone.now() + timezone.timedelta(hours=1))
    if kind == "export":
        job.file.save("x.xlsx", ContentFile(b"PK export"), save=True)
    return job


def _export_job_page(owner: User) -> str:
    return f"/manage/members/jobs/{_bulk_job(owner).public_id}/"


def _export_job_progress(owner: User) -> str:
    return f"/manage/members/jobs/{_bulk_job(owner).public_id}/progress/"


def _export_file(owner: User) -> str:
    return f"/manage/members/jobs/{_bulk_job(owner).public_id}/download/"


def _message_batch_page(owner: User) -> str:
    return f"/manage/members/jobs/{_bulk_job(owner, 'message').public_id}/"

def _member_import(owner: User):
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.imports.services import import_upload

    upload = SimpleUploadedFile("members.csv", "会员号,姓名\nE000001,张三\n".encode("gbk"),
                                "text/csv")
    return import_upload(acting_user=owner, uploaded=upload,
                         member_type=MemberType.objects.get(code="regular"))


def _member_import_page(owner: User) -> str:
    return f"/manage/imports/{_member_import(owner).public_id}/"


def _member_import_progress(owner: User) -> str:
    return f"/manage/imports/{_member_import(owner).public_id}/progress/"


def _member_import_errors(owner: User) -> str:
    return f"/manage/imports/{_member_import(owner).public_id}/errors.xlsx"


def _certificate_design_preview(owner: User) -> str:
    from tenant_apps.certificates.design import default_design
    from tenant_apps.certificates.design_views import preview_keep
    from tenant_apps.certificates.render import render_png

    png = render_png(default_design("card", "individual"), {"name": "张三"}, width_px=200)
    return f"/manage/certificates/design/preview/{preview_keep(owner.pk, png)}.png"


# 企业投稿 and 完善理事资料 are off in the test profiles: a case switches them on in both
# associations (rolled back with the test), so beta's refusal is for want of the object, not
# of the feature.
_FEATURE_FORM = {"code": "council_extra", "title": "理事补充资料", "intro": "",
                 "member_types": [], "ranks": [],
                 "steps": [{"title": "推荐人选", "fields": [
                     {"key": "nominee", "label": "姓名", "type": "text", "required": True}]}]}


def _features_on() -> None:
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenant_apps.council_forms.services import council_forms_apply
    from tenant_apps.submissions.services import submission_settings_apply

    for slug in ("alpha", "beta"):
        with schema_context(slug):
            submission_settings_apply({"enabled": True, "max_size_mb": 10, "member_types": [],
                                       "intro": "", "requirements": []})
            council_forms_apply([_FEATURE_FORM])
    assert connection.schema_name == "alpha"


def _member_of(user: User):
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate

    existing = getattr(user, "membership", None)
    return existing or membership_activate(
        acting_user=None, user=user, rank=None, years=1,
        member_type=MemberType.objects.get(code="regular"))


def _submission_of(user: User, *, rejected: bool = False):
    from tenant_apps.submissions.services import submission_create, submission_reject
    from tenants.demo_submissions import docx_bytes

    _features_on()
    upload = SimpleUploadedFile("投稿.docx", docx_bytes(["阿尔法学会的稿件正文"]))
    submission = submission_create(acting_user=user, membership=_member_of(user),
                                   title="阿尔法稿件", uploaded=upload)
    if rejected:
        submission = submission_reject(acting_user=None, submission=submission,
                                       reason="请补充图片")
    return submission


def _submission_resubmit_page(owner: User) -> str:
    """The member's own 重新投稿 page of a turned-down submission."""
    return f"/member/submissions/{_submission_of(owner, rejected=True).public_id}/resubmit/"


def _submission_review_page(owner: User) -> str:
    return f"/manage/submissions/{_submission_of(_someone()).public_id}/"


def _council_answer_of(user: User) -> str:
    """A member's filled 完善理事资料 form; returns the member number."""
    from tenant_apps.council_forms.models import CouncilForm
    from tenant_apps.council_forms.services import council_form_answer

    _features_on()
    membership = _member_of(user)
    council_form_answer(acting_user=user, membership=membership,
                        form=CouncilForm.objects.get(code="council_extra"),
                        data={"nominee": "阿尔法理事"})
    return membership.number


def _council_form_view(owner: User) -> str:
    _council_answer_of(owner)
    return "/member/council-forms/council_extra/view/"


def _council_form_pdf(owner: User) -> str:
    _council_answer_of(owner)
    return "/member/council-forms/council_extra/form.pdf"


def _council_answer_staff(owner: User) -> str:
    return f"/manage/council-forms/council_extra/{_council_answer_of(_someone())}/"


def _council_answer_staff_pdf(owner: User) -> str:
    return f"/manage/council-forms/council_extra/{_council_answer_of(_someone())}/form.pdf"


# submissions.review and council_forms.view (accounts/capabilities.py)
_REVIEWERS = frozenset({"hq_admin", "reviewer", "secretariat"})


CASES = [
    IsolationCase("account via API", "api", "member", _user_api),
    IsolationCase("private upload", "file", "member", _private_file),
    IsolationCase("configuration form field", "page", "hq_admin", _config_field,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("application (applicant's page)", "page", "member", _application_page,
                  staff_can_reach=False),
    IsolationCase("application (review page)", "page", "hq_admin", _application_for_review),
    IsolationCase("level change (member's page)", "page", "member", _level_change_page,
                  staff_can_reach=False),
    IsolationCase("application via API", "api", "member", _application_api,
                  staff_can_reach=False),
    IsolationCase("application upload", "file", "member", _application_upload),
    IsolationCase("in-site message via API", "api", "member", _inbox_message_api,
                  staff_can_reach=False),
    IsolationCase("order", "page", "member", _order_page, staff_can_reach=False),
    IsolationCase("order via API", "api", "member", _order_api, staff_can_reach=False),
    IsolationCase("bank-transfer voucher (payer's order page)", "page", "member",
                  _voucher_on_order_page, staff_can_reach=False),
    IsolationCase("bank-transfer voucher file", "file", "member", _voucher_file),
    IsolationCase("bank-transfer voucher (finance page)", "page", "finance",
                  _voucher_for_finance),
    IsolationCase("invoice request (finance page)", "page", "finance",
                  _invoice_request_for_finance),
    IsolationCase("issued receipt PDF", "file", "member", _issued_receipt),
    IsolationCase("borrowing request PDF", "file", "member", _borrow_pdf,
                  staff_can_reach=False),
    IsolationCase("stamped borrowing request", "file", "member", _stamped_borrowing_request),
    IsolationCase("application form PDF", "file", "member", _application_form_pdf,
                  staff_can_reach=False),
    IsolationCase("staff account (staff page)", "page", "hq_admin", _staff_page,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("staff account via API", "api", "hq_admin", _staff_api,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("membership history and periods via API", "api", "member",
                  _membership_history_api),
    IsolationCase("member record (staff page)", "page", "hq_admin", _member_record_page),
    IsolationCase("member record via API (staff)", "api", "hq_admin", _member_record_api),
    IsolationCase("member record edit (staff page)", "page", "hq_admin",
                  _member_record_edit_page),
    IsolationCase("member withdrawal (staff page)", "page", "hq_admin", _member_withdraw_page),
    IsolationCase("member timeline (staff page)", "page", "hq_admin", _member_tab("timeline")),
    IsolationCase("member orders (staff page)", "page", "hq_admin", _member_tab("orders")),
    IsolationCase("member messages (staff page)", "page", "hq_admin", _member_tab("messages")),
    IsolationCase("member renewal by hand (staff page)", "page", "hq_admin",
                  _member_action_page("renew")),
    IsolationCase("member login reset (staff page)", "page", "hq_admin",
                  _member_action_page("reset-login")),
    IsolationCase("member certificates (staff page)", "page", "hq_admin",
                  _member_tab("certificates")),
    IsolationCase("certificate PDF (member's page)", "file", "member", _certificate_pdf,
                  staff_can_reach=False),
    IsolationCase("certificate image (member's page)", "file", "member", _certificate_image,
                  staff_can_reach=False),
    IsolationCase("certificate PDF (staff)", "file", "hq_admin", _certificate_staff_pdf,
                  roles=frozenset({"hq_admin", "secretariat"})),
    IsolationCase("certificate re-issue (staff page)", "page", "hq_admin",
                  _certificate_reissue_page),
    IsolationCase("member directory row (staff list's link)", "page", "hq_admin",
                  _directory_entry),
    IsolationCase("saved member search (staff page)", "page", "hq_admin", _saved_search),
    IsolationCase("member contact via API", "api", "member", _contact_api,
                  staff_can_reach=False),
    IsolationCase("change request (member's page)", "page", "member", _change_request_page,
                  staff_can_reach=False),
    IsolationCase("change request (review page)", "page", "hq_admin",
                  _change_request_review),
    IsolationCase("change request via API (staff)", "api", "hq_admin", _change_request_api),
    IsolationCase("change request proof", "file", "member", _change_proof),
    # Bulk actions: a job is its asker's alone (another HQ administrator gets 404 too, see
    # tenant_apps/bulk/tests); the dashboard's summary rows have no id of their own:
    # tests/isolation/test_dashboard_summaries.py.
    IsolationCase("member export job (page)", "page", "hq_admin", _export_job_page),
    IsolationCase("member export progress (JSON)", "api", "hq_admin", _export_job_progress),
    IsolationCase("member export file", "file", "hq_admin", _export_file),
    IsolationCase("staff message batch (page)", "page", "hq_admin", _message_batch_page),
    IsolationCase("member import (staff page)", "page", "hq_admin", _member_import_page,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("member import progress (JSON)", "page", "hq_admin",
                  _member_import_progress, roles=frozenset({"hq_admin"})),
    IsolationCase("member import error report", "file", "hq_admin", _member_import_errors,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("certificate design preview", "page", "hq_admin",
                  _certificate_design_preview, roles=frozenset({"hq_admin"})),
    # Members' and public pages of announcements: tests/isolation/test_announcements.py
    IsolationCase("announcement (staff page)", "page", "hq_admin", _announcement_edit,
                  roles=frozenset({"hq_admin", "branch_admin"})),
]


# 供需对接 / 产品对接 (tenant_apps/marketplace): a post waiting for review is its poster's
# and the moderating staff's only; published posts stay within the association
# (tests/isolation/test_marketplace.py).
def _market_post(owner: User, *, picture: bool = False) -> str:
    import datetime as dt
    import uuid

    from django.utils import timezone

    from tenant_apps.configuration.models import AssociationSettings
    from tenant_apps.marketplace.models import Post, PostImage
    from tenant_apps.marketplace.tests.helpers import MARKET, PNG

    AssociationSettings.objects.update_or_create(singleton=True,
                                                 defaults={"marketplace": MARKET})
    post = Post.objects.create(
        author=owner, poster_name="某燃气公司", kind="supply", title="供应燃气表",
        category="gas_equipment", region="320100", description="现货",
        valid_until=timezone.localdate() + dt.timedelta(days=30), contact_name="王经理",
        contact_phone="13912340000", token=uuid.uuid4())
    if not picture:
        return f"/market/{post.public_id}/"
    stored = private_file_store(acting_user=owner, owner=owner, uploaded=SimpleUploadedFile(
        "meter.png", PNG, "image/png"), content_type="image/png")
    PostImage.objects.create(post=post, file=stored)
    return f"/market/{post.public_id}/images/{stored.public_id}/"


CASES += [
    IsolationCase("market post awaiting review (page)", "page", "member", _market_post),
    IsolationCase("market post picture", "file", "member",
                  lambda owner: _market_post(owner, picture=True)),
]


CASES += [
    # 企业投稿 (the public 会员动态 is everyone's: tests/isolation/test_submissions.py)
    IsolationCase("submission (member's 重新投稿 page)", "page", "member",
                  _submission_resubmit_page, staff_can_reach=False),
    IsolationCase("submission (staff review page)", "page", "hq_admin",
                  _submission_review_page, roles=_REVIEWERS),
    # 完善理事资料
    IsolationCase("council form answers (member's page)", "page", "member",
                  _council_form_view, staff_can_reach=False),
    IsolationCase("council form PDF (member's)", "file", "member", _council_form_pdf,
                  staff_can_reach=False),
    IsolationCase("council form answers (staff page)", "page", "hq_admin",
                  _council_answer_staff, roles=_REVIEWERS),
    IsolationCase("council form PDF (staff)", "file", "hq_admin", _council_answer_staff_pdf,
                  roles=_REVIEWERS),
]


def _data_export(owner: User) -> str:
    """我的数据: the member's file, prepared."""
    from tenant_apps.privacy.models import DataExport
    from tenant_apps.privacy.services import data_export_prepare

    export = DataExport.objects.create(user=owner)
    data_export_prepare(export.pk)
    return f"/member/data/exports/{export.public_id}/"


def _data_export_file(owner: User) -> str:
    from tenant_apps.privacy.models import DataExport

    _data_export(owner)
    return f"/files/{DataExport.objects.filter(user=owner).first().file.public_id}/"


def _deletion_request(owner: User) -> str:
    """A member's 申请删除个人信息, on HQ's handling page."""
    from tenant_apps.accounts.services import user_create
    from tenant_apps.privacy.services import deletion_request_submit

    person = user_create(acting_user=None, name="申请删除者", phone="13977776666",
                         password="Qx-9876-passw0rd")
    request = deletion_request_submit(user=person, reason="不再需要")
    return f"/manage/privacy/{request.public_id}/"


CASES += [
    # 我的数据 and 申请删除个人信息 (tenant_apps/privacy): the export is its owner's alone
    IsolationCase("personal data export (我的数据)", "file", "member", _data_export,
                  staff_can_reach=False),
    IsolationCase("personal data export's stored file", "file", "member", _data_export_file,
                  staff_can_reach=False),
    IsolationCase("deletion request (HQ's handling page)", "page", "hq_admin",
                  _deletion_request),
]
