"""Writes of market posts (docs/marketplace.md): posting and editing (back to 待审核), staff
approving and rejecting with a reason, renewing and withdrawing by the poster, and 联系发布者
through the outbox. Every move is checked against `state.py`, made under the post's row
lock and audited; a form's one-time token makes a resent post or message count once."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.marketplace.config import MarketSettings, market_settings
from tenant_apps.marketplace.models import ContactRequest, Post, PostImage
from tenant_apps.marketplace.state import check_transition

S = Post.Status
FIELDS = ("kind", "title", "category", "region", "description", "valid_until",
          "contact_name", "contact_phone", "contact_email", "show_contact")


def may_post(user) -> bool:
    """A member whose services are open (not suspended, lapsed or withdrawn)."""
    from tenant_apps.memberships.rules import access

    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership is not None and access(membership).services


def _checked(data: dict, settings: MarketSettings) -> dict:
    """What the form cleaned, checked against the association's settings (the form offers
    only these, a hand-made post may send anything)."""
    if data["kind"] not in settings.kinds:
        raise AppError("kind", _("Choose what you are posting."), field="kind")
    if not settings.category_name(data["category"]):
        raise AppError("category", _("Choose a category from the list."), field="category")
    if not settings.region_name(data["region"]):
        raise AppError("region", _("Choose a region from the list."), field="region")
    today = timezone.localdate()
    last = today + dt.timedelta(days=settings.max_valid_days)
    if not today <= data["valid_until"] <= last:
        raise AppError("valid_until", _("Valid until must be a day from today to %(last)s.")
                       % {"last": last.isoformat()}, field="valid_until")
    return data


def _images(acting_user, uploads: list, settings: MarketSettings, already: int) -> list:
    """Each picture checked by its content (JPG or PNG, at most 2 MB) and stored privately."""
    from tenant_apps.files.formats import formats_label
    from tenant_apps.files.services import private_file_store
    from tenant_apps.files.sniff import sniff

    if already + len(uploads) > settings.max_images:
        raise AppError("too_many_images", _("A post has at most %(n)d pictures.")
                       % {"n": settings.max_images}, field="images")
    checked = []
    for uploaded in uploads:
        found = sniff(uploaded)
        if found.kind != "image" or found.extension not in ("jpg", "png"):
            raise AppError("file_kind", _("Upload an image (%(formats)s).")
                           % {"formats": formats_label(["jpg", "png"])}, field="images")
        if uploaded.size > 2 * 1024 * 1024:
            raise AppError("file_too_large", _("The file is larger than %(n)d MB.") % {"n": 2},
                           field="images")
        checked.append((uploaded, found.content_type))
    return [private_file_store(acting_user=acting_user, owner=acting_user, uploaded=u,
                               content_type=t) for u, t in checked]


def _search_text(post: Post) -> str:
    return f"{post.title}\n{post.description}".lower()


@transaction.atomic
def post_create(*, acting_user, data: dict, images: list, token: uuid.UUID) -> Post:
    """A member's new post, waiting for review (待审核). The same token again returns the
    post it made."""
    settings = market_settings()
    if not settings.enabled:
        raise AppError("market_off", _("This association does not offer supply and demand."),
                       status=404)
    if not may_post(acting_user):
        raise Forbidden(_("Only members whose membership is in force may post."))
    existing = Post.objects.filter(token=token, author=acting_user).first()
    if existing is not None:
        return existing
    from tenant_apps.records.selectors import member_name

    data = _checked(data, settings)
    post = Post(author=acting_user, poster_name=member_name(acting_user.membership)[:200],
                token=token, **{k: data[k] for k in FIELDS})
    post.search_text = _search_text(post)
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:  # the same form sent twice at once
        return Post.objects.get(token=token)
    for position, stored in enumerate(_images(acting_user, images, settings, 0)):
        PostImage.objects.create(post=post, file=stored, position=position)
    audit_record(actor=acting_user, action="market.posted", target=post,
                 data={"kind": post.kind, "title": post.title})
    if post.show_contact:
        _contact_consent(acting_user, post, True)
    return post


def _contact_consent(user, post: Post, given: bool) -> None:
    """Showing the contact details to members is publishing personal data: the consent is
    recorded with the wording of the form's tick box (docs/personal-data.md)."""
    from tenant_apps.privacy.services import consent_record

    consent_record(user=user, purpose="market_contact", given=given, where="marketplace",
                   subject=str(post.public_id), detail={"title": post.title})


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


def _own(acting_user, post: Post) -> Post:
    post = _locked(post)
    if post.author_id != acting_user.pk:
        raise Forbidden()
    return post


@transaction.atomic
def post_update(*, acting_user, post: Post, data: dict, images: list,
                remove: list[str] = ()) -> Post:
    """The poster changes a post: it is read again by staff (待审核) before members see the
    new text."""
    settings = market_settings()
    post = _own(acting_user, post)
    post.status = check_transition(post, "edit")
    data = _checked(data, settings)
    shown_before = post.show_contact
    for key in FIELDS:
        setattr(post, key, data[key])
    post.search_text = _search_text(post)
    post.reason, post.submitted_at = "", timezone.now()
    post.save()
    if remove:
        post.images.filter(file__public_id__in=list(remove)).delete()
    kept = post.images.count()
    for offset, stored in enumerate(_images(acting_user, images, settings, kept)):
        PostImage.objects.create(post=post, file=stored, position=kept + offset)
    audit_record(actor=acting_user, action="market.edited", target=post,
                 data={"title": post.title})
    if post.show_contact != shown_before:
        _contact_consent(acting_user, post, post.show_contact)
    return post


@transaction.atomic
def post_approve(*, acting_user, post: Post) -> Post:
    if not can(acting_user, "market.moderate"):
        raise Forbidden()
    post = _locked(post)
    post.status = check_transition(post, "approve")
    now = timezone.now()
    post.published_at, post.moderated_at, post.moderated_by = now, now, acting_user
    post.reason = ""
    post.save()
    audit_record(actor=acting_user, action="market.approved", target=post, data={})
    return post


@transaction.atomic
def post_reject(*, acting_user, post: Post, reason: str) -> Post:
    if not can(acting_user, "market.moderate"):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise AppError("reason", _("Give the reason, for the poster to read."), field="reason")
    post = _locked(post)
    post.status = check_transition(post, "reject")
    post.reason = reason[:200]
    post.moderated_at, post.moderated_by = timezone.now(), acting_user
    post.save()
    audit_record(actor=acting_user, action="market.rejected", target=post,
                 data={"reason": post.reason})
    return post


@transaction.atomic
def post_renew(*, acting_user, post: Post, valid_until: dt.date) -> Post:
    """续期: a published or expired post is shown again until the new day."""
    settings = market_settings()
    post = _own(acting_user, post)
    status = check_transition(post, "renew")
    today = timezone.localdate()
    last = today + dt.timedelta(days=settings.max_valid_days)
    if not (today <= valid_until <= last) or valid_until <= post.valid_until:
        raise AppError("valid_until", _("Choose a later day, up to %(last)s.")
                       % {"last": last.isoformat()}, field="valid_until")
    post.status, post.valid_until = status, valid_until
    post.save(update_fields=["status", "valid_until", "updated_at"])
    audit_record(actor=acting_user, action="market.renewed", target=post,
                 data={"valid_until": valid_until.isoformat()})
    return post


@transaction.atomic
def post_withdraw(*, acting_user, post: Post) -> Post:
    post = _own(acting_user, post)
    post.status = check_transition(post, "withdraw")
    post.save(update_fields=["status", "updated_at"])
    audit_record(actor=acting_user, action="market.withdrawn", target=post, data={})
    return post


@transaction.atomic
def post_contact(*, acting_user, post: Post, message: str, token: uuid.UUID) -> ContactRequest:
    """联系发布者: the asker's message to the post's author, in their inbox (and by SMS where
    the association wrote a template), limited per sender and day. The same token again is
    the same request, sent once."""
    from tenant_apps.notifications.services import notify
    from tenant_apps.records.selectors import member_name
    from tenants.services import association_url

    settings = market_settings()
    existing = ContactRequest.objects.filter(token=token, sender=acting_user).first()
    if existing is not None:
        return existing
    if not may_post(acting_user):
        raise Forbidden(_("Only members whose membership is in force may contact posters."))
    if post.author_id == acting_user.pk:
        raise AppError("own_post", _("This is your own post."))
    if post.shown_status != S.PUBLISHED:
        raise AppError("not_published", _("This post is no longer shown."), status=409)
    message = (message or "").strip()
    if not message:
        raise AppError("message", _("Write your message to the poster."), field="message")
    # Counted under the sender's row lock: two tabs cannot both send the last allowed one.
    from django.contrib.auth import get_user_model

    get_user_model().objects.select_for_update().filter(pk=acting_user.pk).first()
    since = timezone.now() - dt.timedelta(days=1)
    if ContactRequest.objects.filter(sender=acting_user, created_at__gte=since).count() \
            >= settings.contacts_per_day:
        raise AppError("too_many", _("You have sent %(n)d messages to posters in the last day; "
                                     "please try again tomorrow.")
                       % {"n": settings.contacts_per_day}, status=429)
    request = ContactRequest.objects.create(post=post, sender=acting_user,
                                            message=message[:500], token=token)
    from huiji.tenancy.current import current_association

    notify(event="market_contact", user=post.author, params={
        "post_title": post.title, "sender": member_name(acting_user.membership),
        "sender_phone": acting_user.phone or "",
        "message": message[:500],
        "post_link": association_url(current_association(),
                                     f"/market/{post.public_id}/")})
    audit_record(actor=acting_user, action="market.contacted", target=post, data={})
    return request
