"""Writing, publishing and sending announcements (docs/announcements.md). Every change is
checked against the author's scope: a branch administrator writes only to branches they
administer. Rich text is sanitised here, before it is stored (huiji.richtext)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji import richtext
from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.announcements import selectors
from tenant_apps.announcements.models import (
    Announcement,
    AnnouncementAttachment,
    AnnouncementRead,
    AnnouncementSettings,
)
from tenant_apps.announcements.state import check_transition, effective_status

S = Announcement.Status
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_KINDS = ("image", "pdf", "document", "archive")
BODY_MAX = 100_000


def settings_apply(*, enabled: bool, title: str) -> None:
    """The profile's `announcements:` (configuration.services.profile_apply)."""
    row = AnnouncementSettings.objects.first() or AnnouncementSettings()
    row.enabled, row.title = enabled, title
    row.save()


def _audience_checked(acting_user, data: dict) -> dict:
    choices = selectors.choices()
    known = {"member_types": {c for c, _n in choices["types"]},
             "ranks": {c for c, _t, _n in choices["ranks"]},
             "branches": {c for c, _n in choices["branches"]}}
    out = {}
    for key in ("member_types", "ranks", "branches"):
        codes = sorted({str(c) for c in data.get(key) or []})
        if any(c not in known[key] for c in codes):
            raise AppError("invalid_input", _("Choose from the list."), field=key)
        out[key] = codes
    audience = data.get("audience") or Announcement.Audience.MEMBERS
    if audience not in Announcement.Audience.values:
        raise AppError("invalid_input", _("Choose from the list."), field="audience")
    if audience == Announcement.Audience.PUBLIC:
        out = {key: [] for key in out}
    out["audience"] = audience
    if scope(acting_user, selectors.CAPABILITY) != ALL:
        # a branch administrator: their own branches' members, nobody else
        mine = set(selectors.administered_codes(acting_user))
        if audience == Announcement.Audience.PUBLIC or not out["branches"] \
                or not set(out["branches"]) <= mine:
            raise AppError("invalid_input", _(
                "Address the announcement to members of the branches you administer."),
                field="branches")
    return out


def _attachments_checked(uploads: list) -> list:
    from tenant_apps.files.sniff import sniff

    checked = []
    for upload in uploads:
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise AppError("invalid_input", _("An attachment may be at most 20 MB."),
                           field="attachments")
        found = sniff(upload)
        if found.kind not in ATTACHMENT_KINDS:
            raise AppError("invalid_input", _(
                "Attach PDF, pictures, Office documents or ZIP/RAR/7z archives only."),
                field="attachments")
        checked.append((upload, found.content_type))
    return checked


@transaction.atomic
def announcement_save(*, acting_user, announcement: Announcement | None, title: str,
                      body: str, audience: str, member_types=(), ranks=(), branches=(),
                      pinned: bool = False, publish_at: dt.datetime | None = None,
                      uploads=(), remove=()) -> Announcement:
    """Create (announcement None) or change an announcement; withdrawn ones are changed
    after going back to draft. Nothing is stored unless all of it is valid."""
    if scope(acting_user, selectors.CAPABILITY) is None:
        raise Forbidden()
    if announcement is not None:
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if announcement.status == S.WITHDRAWN:
            raise AppError("invalid_input", _(
                "A withdrawn announcement is changed after taking it back to draft."),
                status=409)
    title = (title or "").strip()
    if not title:
        raise AppError("invalid_input", _("Give the announcement a title."), field="title")
    if len(title) > 120:
        raise AppError("invalid_input", _("The title may be at most 120 characters."),
                       field="title")
    clean = richtext.sanitize(body)
    if len(clean) > BODY_MAX:
        raise AppError("invalid_input", _("The text is too long."), field="body")
    audience_fields = _audience_checked(acting_user, {
        "audience": audience, "member_types": member_types, "ranks": ranks,
        "branches": branches})
    files = _attachments_checked(list(uploads))
    creating = announcement is None
    if creating:
        announcement = Announcement(created_by=acting_user)
    announcement.title, announcement.body, announcement.pinned = title, clean, bool(pinned)
    if publish_at is not None or announcement.status == S.DRAFT:
        announcement.publish_at = publish_at
    for key, value in audience_fields.items():
        setattr(announcement, key, value)
    announcement.save()
    if remove:
        AnnouncementAttachment.objects.filter(announcement=announcement,
                                              file__public_id__in=list(remove)).delete()
    if announcement.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise AppError("invalid_input", _("At most %(n)d attachments.") % {
            "n": MAX_ATTACHMENTS}, field="attachments")
    from tenant_apps.files.services import private_file_store

    for upload, content_type in files:
        stored = private_file_store(acting_user=acting_user, owner=acting_user,
                                    uploaded=upload, content_type=content_type)
        AnnouncementAttachment.objects.create(announcement=announcement, file=stored)
    audit_record(actor=acting_user, action="announcement.created" if creating
                 else "announcement.changed", target=announcement,
                 data={"title": title, "audience": audience_fields})
    return announcement


def _locked(acting_user, announcement: Announcement) -> Announcement:
    locked = selectors.staff_rows(acting_user).select_for_update().filter(
        pk=announcement.pk).first()
    if locked is None:
        raise Forbidden()
    return locked


@transaction.atomic
def announcement_publish(*, acting_user, announcement: Announcement) -> Announcement:
    """Publish now, or at its publish time if that is later (scheduled)."""
    announcement = _locked(acting_user, announcement)
    now = timezone.now()
    target = S.SCHEDULED if announcement.publish_at and announcement.publish_at > now \
        else S.PUBLISHED
    if announcement.status == S.SCHEDULED and target == S.SCHEDULED:
        return announcement  # published twice (a double click): nothing more to do
    check_transition(announcement.status, target)
    if target == S.PUBLISHED and not announcement.publish_at:
        announcement.publish_at = now
    announcement.status = target
    announcement.save(update_fields=["status", "publish_at", "updated_at"])
    audit_record(actor=acting_user, action="announcement.published", target=announcement,
                 data={"status": target, "publish_at": announcement.publish_at.isoformat()})
    return announcement


@transaction.atomic
def announcement_withdraw(*, acting_user, announcement: Announcement) -> Announcement:
    announcement = _locked(acting_user, announcement)
    if announcement.status == S.WITHDRAWN:
        return announcement
    check_transition(announcement.status, S.WITHDRAWN)
    announcement.status, announcement.withdrawn_at = S.WITHDRAWN, timezone.now()
    announcement.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_record(actor=acting_user, action="announcement.withdrawn", target=announcement)
    return announcement


@transaction.atomic
def announcement_to_draft(*, acting_user, announcement: Announcement) -> Announcement:
    """A scheduled announcement taken back before it shows, or a withdrawn one to edit."""
    announcement = _locked(acting_user, announcement)
    if announcement.status == S.DRAFT:
        return announcement
    if announcement.status == S.SCHEDULED \
            and effective_status(announcement) == S.PUBLISHED:
        raise AppError("illegal_announcement_transition", _(
            "It is already showing; withdraw it instead."), status=409)
    check_transition(announcement.status, S.DRAFT)
    announcement.status = S.DRAFT
    announcement.save(update_fields=["status", "updated_at"])
    audit_record(actor=acting_user, action="announcement.to_draft", target=announcement)
    return announcement


def announcement_mark_read(*, user, announcement: Announcement) -> None:
    """A member opened it (once: the unique constraint keeps a second open from counting)."""
    if not user.is_authenticated:
        return
    try:
        with transaction.atomic():
            AnnouncementRead.objects.get_or_create(announcement=announcement, user=user)
    except IntegrityError:  # the same member opened it twice at once
        pass


# --- sending it to the inbox / by SMS (the bulk message machinery) -----------------------------

PUSH_CHANNELS = ("inbox", "sms", "email")


def push_params(announcement: Announcement) -> dict[str, list[str]]:
    """The member list's filters that name the announcement's audience
    (tenant_apps/directory/params.py); a public announcement goes to every current member."""
    params: dict[str, list[str]] = {"status": list(selectors.READING_STATUSES)}
    if announcement.audience == Announcement.Audience.MEMBERS:
        for key, param in (("member_types", "type"), ("ranks", "rank"),
                           ("branches", "branch")):
            if getattr(announcement, key):
                params[param] = list(getattr(announcement, key))
    return params


def push_count(acting_user, announcement: Announcement) -> int:
    from tenant_apps.bulk.selectors import bulk_members

    members = bulk_members(acting_user, push_params(announcement))
    return members.count() if members is not None else 0


def push_text(announcement: Announcement, link: str) -> tuple[str, str]:
    """The title and text of the message: braces made full-width, so that nothing of the
    title reads as one of the staff message's placeholders."""
    def plain(text: str) -> str:
        return text.replace("{", "｛").replace("}", "｝")

    title = plain(announcement.title)
    return title, _("New announcement: %(title)s. Read it at %(link)s") % {
        "title": title, "link": link}


@transaction.atomic
def announcement_push(*, acting_user, announcement: Announcement, channels: list[str],
                      link: str):
    """Send the announcement to its audience through the outbox, once (`pushed_job`)."""
    from tenant_apps.bulk.services import send_staff_message

    announcement = _locked(acting_user, announcement)
    if effective_status(announcement) != S.PUBLISHED:
        raise AppError("invalid_input", _("Publish the announcement before sending it."),
                       status=409)
    if announcement.pushed_job_id:
        raise AppError("already_pushed", _("This announcement has already been sent."),
                       status=409)
    subject, body = push_text(announcement, link)
    job = send_staff_message(acting_user=acting_user, params=push_params(announcement),
                             channels=[c for c in channels if c in PUSH_CHANNELS],
                             subject=subject, body=body)
    announcement.pushed_job = job
    announcement.save(update_fields=["pushed_job", "updated_at"])
    audit_record(actor=acting_user, action="announcement.sent", target=announcement,
                 data={"channels": list(channels), "job": str(job.public_id)})
    return job
