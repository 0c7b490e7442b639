"""Every change of an application: start, answer, upload, submit, review, pay, complete.

Each service takes the acting user, runs in one transaction under a row lock, checks the
transition against state.TRANSITIONS, writes the timeline event and the audit row, and puts
the notifications in the outbox (delivered after commit)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts import capabilities
from tenant_apps.accounts.models import Role
from tenant_apps.applications.engine import (
    branch_codes,
    check_answers,
    form_steps,
    prefill,
    type_document,
)
from tenant_apps.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationUpload,
    NoticeAcceptance,
    Status,
)
from tenant_apps.applications.state import EDITABLE, check_transition, next_stop
from tenant_apps.billing.pricing import level_change_price
from tenant_apps.configuration.models import (
    Branch,
    ConfigurationRevision,
    MemberType,
    Notice,
    Rank,
    ReferralChannel,
    ReviewRole,
)
from tenant_apps.configuration.selectors import current_notices
from tenant_apps.files.formats import accepted_formats, formats_label
from tenant_apps.files.selectors import image_ids_of
from tenant_apps.files.services import private_file_store
from tenant_apps.files.sniff import sniff
from tenant_apps.memberships.services import membership_activate
from tenant_apps.notifications.services import notify

NOTICES_TO_ACCEPT = (Notice.Kind.JOINING_NOTICE, Notice.Kind.CHARTER)


# --- reading the frozen configuration ------------------------------------------------------

def type_doc(application: Application) -> dict:
    return type_document(application.revision.document, application.member_type.code)


def chain_of(application: Application) -> list[dict]:
    return type_doc(application)["review_chain"]


def fee_due_fen(application: Application) -> int:
    """The yearly fee in force today for the applicant's type and rank, per the application's
    revision (0 for a free membership)."""
    rank_code = application.rank.code if application.rank else None
    today = timezone.localdate().isoformat()
    rows = [f for f in type_doc(application)["fees"]
            if f["rank"] == rank_code and f["effective_from"] <= today]
    return max(rows, key=lambda f: f["effective_from"])["amount_fen"] if rows else 0


def amount_due_fen(application: Application) -> int:
    """What the application costs in all: the joining fee for its years, or the price of
    its level change (`billing.pricing.level_change_price`). 0: no payment step."""
    if application.purpose == Application.Purpose.LEVEL_CHANGE:
        return level_change_price(application.membership_changed, application.member_type,
                                  application.rank).amount_fen
    return fee_due_fen(application) * application.years


# --- the timeline -------------------------------------------------------------------------

def _event(application: Application, *, action: str, actor, from_status: str,
           reason: str = "", data: dict | None = None) -> None:
    step = ""
    if application.status == Status.IN_REVIEW and application.review_position is not None:
        step = chain_of(application)[application.review_position]["name"]
    ApplicationEvent.objects.create(
        application=application, action=action, from_status=from_status,
        to_status=application.status, step_name=step,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "system", reason=reason,
        data=data or {})
    audit_record(actor=actor, action=f"application.{action}", target=application,
                 reason=reason, data={"from": from_status, "to": application.status,
                                      **(data or {})})


def _move(application: Application, *, to: str, position: int | None, action: str, actor,
          reason: str = "", data: dict | None = None) -> None:
    before = application.status
    check_transition(before, to)
    application.status = to
    application.review_position = position
    # Who decides the step it now waits at, kept here for the review queue's query
    # (selectors.reviewable_by); `can_decide_step` stays the rule and agrees with it.
    application.review_role, application.review_branch = (
        step_target(chain_of(application)[position], application.branch)
        if to == Status.IN_REVIEW and position is not None else ("", None))
    application.save()
    _event(application, action=action, actor=actor, from_status=before, reason=reason,
           data=data)


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related(
        "revision", "member_type", "rank", "branch", "applicant",
        "membership_changed").get(pk=application.pk)


def _own(application: Application, actor) -> None:
    if application.applicant_id != getattr(actor, "pk", None):
        raise Forbidden()


def _notify(event: str, application: Application, **params) -> None:
    """The applicant's (and where templates say so, the contacts') messages for `event`;
    name, association and url are filled by notify."""
    notify(event=event, user=application.applicant, application=application,
           params={"member_type": application.member_type.name, **params})


def _fee_params(application: Application) -> dict:
    return {"amount": _yuan(amount_due_fen(application)), "years": application.years}


# --- the applicant --------------------------------------------------------------------------

@transaction.atomic
def may_join_again(membership) -> bool:
    """A withdrawn member, or a lapsed one whose type has them apply anew, joins again by a
    new application (docs/lifecycle.md); anyone else is a member already."""
    from tenant_apps.memberships.rules import renewal_terms

    return membership.status in ("withdrawn", "lapsed") and renewal_terms(membership).reapply


def application_start(*, applicant, member_type: MemberType, rank: Rank | None = None,
                      branch: Branch | None = None, referral: ReferralChannel | None = None,
                      referral_branch: Branch | None = None, referrer_name: str = "",
                      referrer_number: str = "", by_code: bool = False) -> Application:
    """Start an application. `by_code`: the referral came from a referral code (its link or
    QR, tenant_apps/referrals), recorded for the referral report; the referral is checked by
    the channel's rules all the same."""
    if not member_type.active:
        raise AppError("type_closed", _("This member type is not open for applications."))
    from tenant_apps.memberships.models import Membership

    current = Membership.objects.select_related("member_type").filter(user=applicant).first()
    if current is not None and not may_join_again(current):
        raise AppError("already_member", _("You are already a member."), status=409)
    if rank is not None and rank.member_type_id != member_type.pk:
        raise AppError("bad_rank", _("Choose a rank of this member type."), field="rank")
    if member_type.ranks.exists() and rank is None:
        raise AppError("rank_required", _("Choose a rank."), field="rank")
    referrer = None
    if referral is not None:
        referral_branch, referrer = _check_referral(referral, referral_branch, referrer_name,
                                                    referrer_number, member_type)
    revision = ConfigurationRevision.objects.order_by("-number").first()
    if revision is None:
        raise AppError("not_configured", _("This association is not configured yet."))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, member_type=member_type, rank=rank, branch=branch,
                referral_channel=referral, referral_branch=referral_branch,
                referrer_name=referrer_name.strip(), referrer_number=referrer_number.strip(),
                referrer=referrer, referred_by_code=bool(by_code and referral is not None),
                revision=revision, years=min(type_document(
                    revision.document, member_type.code)["years"] or [1]),
                answers=prefill(type_document(revision.document, member_type.code),
                                applicant))
    except IntegrityError as exc:
        raise AppError("application_open", _("You already have an application in progress."),
                       status=409) from exc
    _event(application, action="created", actor=applicant, from_status="")
    return application


@transaction.atomic
def application_choose(*, application: Application, actor, rank: Rank | None = None,
                       branch: Branch | None = None, referral: ReferralChannel | None = None,
                       referral_branch: Branch | None = None, referrer_name: str = "",
                       referrer_number: str = "", years: int | None = None) -> Application:
    """The choices around the form: rank, the body to join, how the applicant heard of
    the association, how many years to pay for."""
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application can no longer be changed."),
                       status=409)
    referrer = None
    if referral is not None:
        referral_branch, referrer = _check_referral(referral, referral_branch, referrer_name,
                                                    referrer_number, application.member_type)
    if (referral, referral_branch, referrer) != (
            application.referral_channel, application.referral_branch, application.referrer):
        application.referred_by_code = False  # another referral than the code's
    application.referrer = referrer
    application.rank, application.branch = rank, branch
    application.referral_channel = referral
    application.referral_branch = referral_branch
    application.referrer_name, application.referrer_number = referrer_name, referrer_number
    if years is not None:
        if years not in type_doc(application)["years"]:
            raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                           field="years")
        application.years = years
    application.save()
    return application


def referral_channels_offered() -> list[ReferralChannel]:
    """The channels an applicant may choose: the active ones, a unit-member referral only
    where the association has a unit member type (else no unit could refer anyone)."""
    channels = list(ReferralChannel.objects.filter(active=True).select_related(
        "default_branch"))
    if not MemberType.objects.filter(active=True, kind="unit").exists():
        channels = [c for c in channels if c.kind != ReferralChannel.Kind.UNIT_MEMBER]
    return channels


def referral_channel_chosen(code: str | None) -> ReferralChannel | None:
    """The channel an applicant chose on the start page or the API, by its code; refused
    when it is not offered, or missing where the association requires one (CMES's
    *推荐渠道). The start page and the API call this before `application_start`."""
    from tenant_apps.accounts.selectors import account_settings

    code = (code or "").strip()
    channel = next((c for c in referral_channels_offered() if c.code == code), None)
    if code and channel is None:
        raise AppError("referral_unknown", _("Choose how you heard of us from the list."),
                       field="referral")
    if channel is None and account_settings().referral_required:
        raise AppError("referral_required", _("Choose how you heard of us."),
                       field="referral")
    return channel


def referrer_in_force(channel: ReferralChannel, membership) -> None:
    """The channel's rule on the referrer's membership: where the channel says so, it must be
    in force (active, within its validity) on the day of the referral. The apply page and
    the referral link (tenant_apps/referrals) both ask this."""
    from tenant_apps.memberships.models import Membership

    if channel.referrer_must_be_valid and (
            membership.status != Membership.Status.ACTIVE
            or (membership.valid_until and membership.valid_until < timezone.localdate())):
        raise AppError("referrer_not_valid", _("The referrer's membership is not in force."),
                       field="referrer_number")


def _check_referral(channel: ReferralChannel, branch: Branch | None, name: str, number: str,
                    member_type: MemberType):
    """The referral rules of the association's channels: a branch channel names a branch; a
    member channel names a member (name and number) whose membership is in force and, where
    the channel says so, of at least the applicant's level. Returns the branch credited and
    the referring membership (None for branch channels)."""
    from tenant_apps.memberships.models import Membership

    kind = channel.kind
    if kind == ReferralChannel.Kind.UNIT_MEMBER and not MemberType.objects.filter(
            active=True, kind="unit").exists():
        raise AppError("referral_unknown", _("Choose how you heard of us from the list."),
                       field="referral")
    if kind in (ReferralChannel.Kind.BRANCH, ReferralChannel.Kind.PROVINCIAL):
        if branch is None:
            raise AppError("referral_branch_required", _("Choose the referring branch."),
                           field="referral_branch")
        return branch, None
    if kind == ReferralChannel.Kind.OTHER:
        return channel.default_branch, None
    name, number = (name or "").strip(), (number or "").strip()
    if not name or not number:
        raise AppError("referrer_required", _("Give the referrer's name and member number."),
                       field="referrer_number")
    membership = Membership.objects.select_related("user", "member_type").filter(
        number=number).first()
    wanted = "unit" if kind == ReferralChannel.Kind.UNIT_MEMBER else "individual"
    if membership is None or membership.user.name.strip() != name or \
            membership.member_type.kind != wanted:
        raise AppError("referrer_unknown", _("No member with this name and number."),
                       field="referrer_number")
    referrer_in_force(channel, membership)
    if channel.referrer_level_at_least_applicant and \
            membership.member_type.level < member_type.level:
        raise AppError("referrer_level", _("A member of a lower level cannot refer a "
                                           "higher level."), field="referrer_number")
    return None, membership


@transaction.atomic
def application_accept_notices(*, application: Application, actor, ip: str | None = None
                               ) -> list[NoticeAcceptance]:
    """Record the acceptance of the current joining notice and charter, with their
    versions."""
    application = _locked(application)
    _own(application, actor)
    accepted = []
    for kind, notice in current_notices().items():
        if kind in NOTICES_TO_ACCEPT:
            row, _created = NoticeAcceptance.objects.get_or_create(
                application=application, notice=notice,
                defaults={"kind": kind, "version": notice.version, "ip": ip})
            accepted.append(row)
    _event(application, action="notices_accepted", actor=actor,
           from_status=application.status,
           data={"notices": {a.kind: a.version for a in accepted}})
    return accepted


@transaction.atomic
def application_save_step(*, application: Application, actor, step_index: int, data: dict,
                          finish: bool) -> dict[str, str]:
    """Save the answers of one form step as a draft ("暂存"). With `finish` (the "next"
    button) the step must be complete; without, what was typed is kept whatever is missing.
    Returns the errors by field key; valid answers are saved either way."""
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application can no longer be changed."),
                       status=409)
    steps = form_steps(type_doc(application))
    if not 0 <= step_index < len(steps):
        raise AppError("bad_step", _("Unknown step."))
    cleaned, errors = check_answers(steps[step_index].fields, data,
                                    branches=branch_codes(application.revision.document),
                                    require=finish, own_images=image_ids_of(application.applicant))
    answers = dict(application.answers)
    for spec in steps[step_index].fields:
        key = spec["key"]
        if key in cleaned:
            answers[key] = cleaned[key]
        elif not any(k == key or k.startswith(f"{key}.") for k in errors):
            answers.pop(key, None)  # cleared by the applicant
    application.answers = answers
    application.wizard_step = f"form:{step_index}"
    application.save(update_fields=["answers", "wizard_step", "updated_at"])
    return errors


def _image_spec(fields: list[dict], key: str) -> dict | None:
    for spec in fields:
        if spec["type"] == "image" and spec["key"] == key:
            return spec
        if spec["type"] == "group":
            found = _image_spec(spec["fields"], key)
            if found is not None:
                return found
    return None


@transaction.atomic
def application_store_image(*, application: Application, actor, field: str, uploaded):
    """Store a picture for an image question of the application's form (CMES's 个人照片, a
    unit's logo), after checking it is an image within the question's size. The answer then
    names the returned file; an answer may name only the applicant's own images."""
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application can no longer be changed."),
                       status=409)
    spec = _image_spec([f for step in form_steps(type_doc(application)) for f in step.fields],
                       field)
    if spec is None:
        raise AppError("unknown_field", _("This form has no such picture."), field="field")
    limit = spec.get("max_size_mb") or 2
    found = sniff(uploaded)
    formats = accepted_formats(spec)
    if found.kind != "image" or found.extension not in formats:
        raise AppError("file_kind", _("Upload an image (%(formats)s).")
                       % {"formats": formats_label(formats)}, field=spec["key"])
    if uploaded.size > limit * 1024 * 1024:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.") % {"n": limit},
                       field=spec["key"])
    return private_file_store(acting_user=actor, owner=application.applicant,
                              uploaded=uploaded, content_type=found.content_type)


@transaction.atomic
def application_add_upload(*, application: Application, actor, requirement: str,
                           uploaded) -> ApplicationUpload:
    """Store one file for an upload requirement, after checking what it really is (by its
    content, not its name), its size and the count. A refused file stores nothing."""
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application can no longer be changed."),
                       status=409)
    spec = next((u for u in type_doc(application)["uploads"] if u["key"] == requirement), None)
    if spec is None:
        raise AppError("bad_upload", _("Unknown upload."), field="file")
    if uploaded.size > spec["max_size_mb"] * 1024 * 1024:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.")
                       % {"n": spec["max_size_mb"]}, field="file")
    if application.uploads.filter(requirement=requirement).count() >= spec["max_count"]:
        raise AppError("too_many_files", _("At most %(n)d files here; remove one first.")
                       % {"n": spec["max_count"]}, field="file")
    found = sniff(uploaded)
    formats = accepted_formats(spec, default_kinds=())
    if found.extension not in formats or found.kind == "executable":
        raise AppError("file_kind", _("This file is not an accepted kind (%(allowed)s).")
                       % {"allowed": formats_label(formats)}, field="file")
    stored = private_file_store(acting_user=actor, owner=application.applicant,
                                uploaded=uploaded, content_type=found.content_type)
    return ApplicationUpload.objects.create(application=application, requirement=requirement,
                                            file=stored)


@transaction.atomic
def application_remove_upload(*, application: Application, actor, upload_id: int) -> None:
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application can no longer be changed."),
                       status=409)
    upload = application.uploads.filter(pk=upload_id).select_related("file").first()
    if upload is None:
        raise AppError("not_found", _("Not found."), status=404)
    stored = upload.file
    upload.delete()
    stored.file.delete(save=False)
    stored.delete()


def application_problems(application: Application, notices: dict | None = None) -> list[str]:
    """What still stops the application from being submitted, in the applicant's words.
    Reads `uploads` and `acceptances` through .all() (a list may prefetch them) and
    `notices`: current_notices(), if the caller already has it."""
    problems = []
    doc = type_doc(application)
    for step in form_steps(doc):
        _cleaned, errors = check_answers(step.fields, application.answers,
                                         branches=branch_codes(application.revision.document),
                                         require=True)
        if errors:
            problems.append(_("Step “%(title)s” is not complete.") % {"title": step.title})
    counts: dict[str, int] = {}
    for upload in application.uploads.all():
        counts[upload.requirement] = counts.get(upload.requirement, 0) + 1
    for spec in doc["uploads"]:
        if spec["required"] and not counts.get(spec["key"]):
            problems.append(_("Upload “%(label)s”.") % {"label": spec["label"]})
    if application.purpose == Application.Purpose.LEVEL_CHANGE:
        return problems  # a member accepted the notices on joining
    accepted = {acceptance.kind for acceptance in application.acceptances.all()}
    notices = current_notices() if notices is None else notices
    for kind in NOTICES_TO_ACCEPT:
        if kind in notices and kind not in accepted:
            problems.append(_("Read and accept the %(notice)s.")
                            % {"notice": Notice.Kind(kind).label})
    return problems


@transaction.atomic
def application_submit(*, application: Application, actor) -> Application:
    """Submit (or resubmit after a return or rejection). The chain resumes where the member
    type says: from the first step, or from the step that sent it back."""
    application = _locked(application)
    _own(application, actor)
    if application.status not in EDITABLE:
        raise AppError("not_editable", _("This application was already submitted."),
                       status=409)
    problems = application_problems(application)
    if problems:
        raise AppError("incomplete", " ".join(problems), details={"problems": problems})
    resubmission = application.status != Status.DRAFT
    start = 0
    if resubmission and type_doc(application)["resume_after_rejection"] == "rejecting_step":
        start = application.rejected_at_position or 0
    stop = next_stop(chain_of(application), start=start, paid=bool(application.paid_at),
                     fee_due=amount_due_fen(application) > 0)
    application.submitted_at = timezone.now()
    application.last_reason = ""
    _move(application, to=stop.status, position=stop.position, actor=actor,
          action="resubmitted" if resubmission else "submitted")
    # One message for where the application now is: "submitted, waiting for review"; or,
    # where payment comes first, the payment request (never "approved" before a review);
    # or, with nothing to wait for, the welcome (never "complete your application" with it).
    if stop.status == Status.IN_REVIEW:
        _notify("application_submitted", application)
    return _after_stop(application, actor)


def _after_stop(application: Application, actor) -> Application:
    if application.status == Status.AWAITING_PAYMENT:
        _notify("payment_required", application, **_fee_params(application),
                reference=_transfer_reference(application))
    elif application.status == Status.COMPLETED:
        _complete(application, actor)
    return application


def _transfer_reference(application: Application) -> str:
    """The identification code finance matches a transfer on (识别码), for the payment
    request: when joining with one number of years on offer the order is made now, so the
    message can name its code; with a choice of years there is no order yet and no code."""
    from tenant_apps.billing.services import order_for_application

    if application.purpose != Application.Purpose.JOIN:
        return ""
    offered = type_document(application.revision.document,
                            application.member_type.code)["years"]
    if len(offered) != 1:
        return ""
    return order_for_application(application=application, actor=application.applicant,
                                 years=offered[0]).transfer_reference


def _yuan(fen: int) -> str:
    from huiji.templatetags.money import yuan

    return yuan(fen)


def _complete(application: Application, actor) -> None:
    if application.purpose == Application.Purpose.LEVEL_CHANGE:
        _complete_level_change(application, actor)
        return
    order = application.orders.filter(status="confirmed").order_by("-confirmed_at").first()
    membership = membership_activate(
        acting_user=actor, user=application.applicant, member_type=application.member_type,
        rank=application.rank, years=application.years, answers=application.answers,
        order=order)
    # Joining again: the membership is the same row; this application is now its joining one.
    Application.objects.filter(membership=membership).exclude(pk=application.pk).update(
        membership=None)
    application.membership = membership
    application.completed_at = timezone.now()
    application.save(update_fields=["membership", "completed_at", "updated_at"])
    # The member record starts from these answers and is kept current from now on.
    from tenant_apps.records.services import record_create_from_application

    record_create_from_application(acting_user=actor, application=application,
                                   membership=membership)
    application.applicant.roles = sorted({*application.applicant.roles, Role.MEMBER})
    application.applicant.save(update_fields=["roles"])
    _notify("member_activated", application, member_number=membership.number,
            valid_until=membership.valid_until.isoformat() if membership.valid_until else "")


def _complete_level_change(application: Application, actor) -> None:
    """The member takes the new level: number and validity by the target type's rule
    (`memberships.services.membership_change_level`)."""
    from tenant_apps.memberships.services import membership_change_level

    membership = application.membership_changed
    price = level_change_price(membership, application.member_type, application.rank)
    membership = membership_change_level(
        acting_user=actor, membership=membership, member_type=application.member_type,
        rank=application.rank, restart=price.restart, years=price.years,
        answers=application.answers)
    application.completed_at = timezone.now()
    application.save(update_fields=["completed_at", "updated_at"])
    _event(application, action="level_changed", actor=actor, from_status=application.status,
           data={"member_number": membership.number,
                 "valid_until": membership.valid_until.isoformat()
                 if membership.valid_until else None})
    _notify("member_activated", application, member_number=membership.number,
            valid_until=membership.valid_until.isoformat() if membership.valid_until else "")


@transaction.atomic
def application_withdraw(*, application: Application, actor) -> Application:
    """The applicant gives up. Its unpaid orders are cancelled with it, so no money can be
    credited to a withdrawn application (money that still arrives is kept to refund)."""
    from tenant_apps.billing.services import orders_cancel_for_application

    application = _locked(application)
    _own(application, actor)
    check_transition(application.status, Status.WITHDRAWN)
    cancelled = orders_cancel_for_application(application=application, actor=actor)
    _move(application, to=Status.WITHDRAWN, position=None, actor=actor, action="withdrawn",
          data={"orders_cancelled": cancelled} if cancelled else None)
    return application


# --- level changes --------------------------------------------------------------------------

def level_change_targets(membership) -> list[dict]:
    """The levels this member may change to, as the association allows (`level_changes` of
    the member's type), each with its price: {"type", "rank", "price", "value"}. Types
    closed for applications, or without a fee in force, are not offered."""
    from tenant_apps.configuration.models import MemberType

    allowed = list(membership.member_type.level_changes)
    targets = []
    for mtype in MemberType.objects.filter(code__in=allowed, active=True,
                                           kind=membership.member_type.kind) \
            .prefetch_related("ranks", "fees").order_by("position"):
        for rank in list(mtype.ranks.all()) or [None]:
            if (mtype.pk, rank.pk if rank else None) == (membership.member_type_id,
                                                         membership.rank_id):
                continue
            try:
                price = level_change_price(membership, mtype, rank)
            except AppError:
                continue
            targets.append({"type": mtype, "rank": rank, "price": price,
                            "value": f"{mtype.code}:{rank.code if rank else ''}"})
    return targets


@transaction.atomic
def level_change_start(*, membership, actor, member_type: MemberType, rank: Rank | None = None,
                       reason: str) -> Application:
    """A member asks to change level. The change is an application of the target type: its
    forms (prefilled with the member's answers), uploads and review chain, priced by its
    upgrade pricing, and only to the levels the association allows."""
    from tenant_apps.memberships.models import Membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank").get(pk=membership.pk)
    if membership.user_id != getattr(actor, "pk", None):
        raise Forbidden()
    from tenant_apps.memberships.rules import access

    if not access(membership).services:  # a member-only service (docs/lifecycle.md)
        raise AppError("services_suspended", _("Member services are stopped while the "
                                               "membership is not in force."), status=409)
    from huiji.reasons import reason_checked

    reason = reason_checked(reason, required=_("Give the reason for the change."))
    target = next((t for t in level_change_targets(membership)
                   if t["type"].pk == member_type.pk
                   and (t["rank"].pk if t["rank"] else None) == (rank.pk if rank else None)),
                  None)
    if target is None:
        raise AppError("level_change_not_allowed", _(
            "The association does not offer this change of level."), field="member_type")
    revision = ConfigurationRevision.objects.order_by("-number").first()
    joined = Application.objects.filter(
        applicant=actor, status=Status.COMPLETED).select_related("branch").first()
    keys = {f["key"] for step in form_steps(type_document(revision.document, member_type.code))
            for f in step.fields}
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=actor, purpose=Application.Purpose.LEVEL_CHANGE,
                membership_changed=membership, change_reason=reason, member_type=member_type,
                rank=rank, branch=joined.branch if joined else None, revision=revision,
                answers={k: v for k, v in (joined.answers if joined else {}).items()
                         if k in keys},
                years=target["price"].years)
    except IntegrityError as exc:
        raise AppError("application_open", _("You already have an application in progress."),
                       status=409) from exc
    _event(application, action="level_change_started", actor=actor, from_status="",
           reason=reason, data={"from": membership.member_type.code,
                                "to": member_type.code, "rank": rank.code if rank else None})
    return application


# --- the reviewers ----------------------------------------------------------------------------

def routed_to_branch(application: Application, step: dict) -> bool:
    """A branch-routed step goes to the branch the applicant chose; an applicant who joined
    headquarters directly is reviewed by HQ instead (seed 001: 待分会审 or 待总会审)."""
    return step_branch(step, application.branch) is not None


def step_branch(step: dict, branch):
    """The branch whose administrators decide `step` for something about `branch` (the body
    an applicant chose, the branch a member asks to join): None for a step not routed to a
    branch, or routed but about headquarters (HQ reviewers decide it then)."""
    if step.get("branch_routed") and branch is not None and branch.kind != Branch.Kind.HQ:
        return branch
    return None


def step_unstaffed(application: Application, step: dict, held=None) -> bool:
    return step_unstaffed_for(step, application.branch, held=held)


def step_target(step: dict, branch) -> tuple[str, Branch | None]:
    """Whose the step is, for something about `branch`: (review role, the branch whose
    administrators decide it, or None). A branch-routed step about a branch is its
    administrators' (branch_admin, that branch); routed but about headquarters, HQ
    reviewers'; any other step its own role's. Stored on an application in review
    (`review_role`, `review_branch`) by `_move`."""
    routed = step_branch(step, branch)
    if routed is not None:
        return ReviewRole.BRANCH_ADMIN, routed
    return (ReviewRole.HQ_REVIEWER if step.get("branch_routed") else step["role"]), None


def step_unstaffed_for(step: dict, branch, held=None) -> bool:
    """Nobody can decide this step: no active account holds its role, or the branch it is
    routed to has no active administrator ("无人负责此环节"). `held`: held_roles(), if the
    caller already has it. The one rule for applications' and change requests' steps."""
    return target_unstaffed(*step_target(step, branch), held=held)


def target_unstaffed(role: str, routed, held=None) -> bool:
    """`step_unstaffed_for` of a step whose target (`step_target`) is known: the review
    queue asks it of the stored `review_role` and `review_branch`."""
    if routed is not None:
        return capabilities.step_unstaffed(role=ReviewRole.BRANCH_ADMIN, held=frozenset(),
                                           branch=routed)
    if role == ReviewRole.BRANCH_ADMIN:
        return True  # a branch step without a branch: no branch administrator can take it
    return capabilities.step_unstaffed(
        role=role, held=capabilities.held_roles() if held is None else held)


def can_review(user, application: Application, step: dict, held=None) -> bool:
    return can_decide_step(user, step, application.branch, held=held)


def can_decide_step(user, step: dict, branch, held=None) -> bool:
    """The step's own role (capabilities.py, review.<role>; a branch step: an administrator
    of that branch), or an HQ administrator when nobody holds the step's role. The one rule
    for applications' and change requests' steps."""
    if not user.is_authenticated:
        return False
    role, routed = step_target(step, branch)
    if routed is not None:
        if capabilities.can(user, "review.branch_admin", branch=routed):
            return True
    elif role != ReviewRole.BRANCH_ADMIN and capabilities.can(user, f"review.{role}"):
        return True
    return capabilities.can(user, "review.unstaffed") and \
        target_unstaffed(role, routed, held=held)


@transaction.atomic
def review_decide(*, application: Application, actor, decision: str, expected_position: int,
                  reason: str = "") -> Application:
    """Approve, reject or return the step the application waits at. `expected_position` is
    the step the reviewer saw: if another reviewer decided it first, this one is told so and
    nothing is applied twice."""
    application = _locked(application)
    if application.status != Status.IN_REVIEW or application.review_position != \
            expected_position:
        raise AppError("already_decided", _("Another reviewer has already handled this step. "
                                            "Reload to see where the application is now."),
                       status=409)
    chain = chain_of(application)
    step = chain[application.review_position]
    if not can_review(actor, application, step):
        raise Forbidden(_("This step is not yours to review."))
    reason = (reason or "").strip()
    data = {"step": step["name"], "position": expected_position}
    if decision == "approve":
        stop = next_stop(chain, start=expected_position + 1, paid=bool(application.paid_at),
                         fee_due=amount_due_fen(application) > 0)
        _move(application, to=stop.status, position=stop.position, actor=actor,
              action="approved", reason=reason, data=data)
        if stop.status == Status.IN_REVIEW:
            return application  # the next reviewer's turn: nothing to tell the applicant yet
        if stop.status == Status.AWAITING_PAYMENT:
            # "Approved, now pay". An approval that makes a member says so in the welcome
            # (member_activated) alone: an "approved, please pay" after paying would be false.
            _notify("application_approved", application, **_fee_params(application))
        return _after_stop(application, actor)
    if decision not in ("reject", "return"):
        raise AppError("bad_decision", _("Unknown decision."))
    if not reason:
        raise AppError("reason_required", _("Give the reason: the applicant will see it."),
                       field="reason")
    application.rejected_at_position = expected_position
    application.last_reason = reason
    target = Status.REJECTED if decision == "reject" else Status.RETURNED
    _move(application, to=target, position=None, actor=actor,
          action="rejected" if decision == "reject" else "returned", reason=reason, data=data)
    _notify("application_rejected" if decision == "reject" else "application_returned",
            application, reason=reason)
    return application


# --- money (the billing app calls these) --------------------------------------------------------

@transaction.atomic
def application_mark_payment_review(*, application: Application, actor, back: bool = False,
                                    reason: str = "") -> Application:
    """A transfer voucher is waiting for finance (待确认收款), or (back) finance rejected it
    and the applicant pays again (待缴费)."""
    application = _locked(application)
    if back:
        if application.status == Status.PAYMENT_REVIEW:
            _move(application, to=Status.AWAITING_PAYMENT,
                  position=application.review_position, actor=actor,
                  action="payment_rejected", reason=reason)
        return application
    _move(application, to=Status.PAYMENT_REVIEW, position=application.review_position,
          actor=actor, action="voucher_uploaded")
    return application


@transaction.atomic
def application_payment_confirmed(*, application: Application, actor, order=None
                                  ) -> Application:
    """Confirmed money for the joining fee (`order`, the confirmed joining order): the chain
    goes on after payment, or the applicant becomes a member."""
    application = _locked(application)
    if application.paid_at:
        return application  # applied once
    application.paid_at = timezone.now()
    start = application.review_position if application.review_position is not None else \
        len(chain_of(application))
    stop = next_stop(chain_of(application), start=start, paid=True, fee_due=True)
    _move(application, to=stop.status, position=stop.position, actor=actor,
          action="payment_confirmed")
    if order is None:
        order = application.orders.filter(kind="join", status="confirmed") \
            .order_by("-confirmed_at", "-pk").first()
    # The amount of the order the member made (its years, its fee), not today's fee.
    paid = {"amount": _yuan(order.amount_fen), "years": order.years,
            "order_number": order.number} if order is not None else \
        {**_fee_params(application), "order_number": ""}
    _notify("payment_confirmed", application, **paid)
    return _after_stop(application, actor)


def application_welcome_shown(*, application: Application) -> bool:
    """Record that the member centre shows the 入会成功 page for this completed application;
    True only the first time (the page is shown once after activation)."""
    return bool(Application.objects.filter(
        pk=application.pk, status=Status.COMPLETED, welcome_shown_at__isnull=True,
    ).update(welcome_shown_at=timezone.now()))
