"""Pages of the join journey (applicant) and the review queues (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.clientip import client_ip
from huiji.errors import AppError
from huiji.forms import PageForm, parsed
from tenant_apps.accounts.selectors import account_settings
from tenant_apps.applications import selectors
from tenant_apps.applications.engine import branch_codes, form_steps
from tenant_apps.applications.forms import (
    ReviewDecisionForm,
    UploadRemoveForm,
    answers_from_post,
    field_rows,
    region_data,
)
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.pdf import application_form_pdf
from tenant_apps.applications.services import (
    amount_due_fen,
    application_accept_notices,
    application_add_upload,
    application_problems,
    application_remove_upload,
    application_save_step,
    application_start,
    application_submit,
    chain_of,
    fee_due_fen,
    may_join_again,
    referral_channel_chosen,
    referral_channels_offered,
    review_decide,
    type_doc,
)
from tenant_apps.applications.state import EDITABLE
from tenant_apps.configuration.entries import current_kind, join_entries
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.configuration.selectors import current_notices
from tenant_apps.files.formats import accepted_formats, formats_accept, formats_label
from tenant_apps.memberships.decorators import member_services_required


def _mine(request, public_id):
    application = selectors.application_for_applicant(request.user, public_id)
    if application is None:
        raise Http404
    return application


def _summary(application, viewer=None) -> list[dict]:
    """Every form step with its answers, for the confirmation and review pages. Staff see ID
    numbers and phones masked as on the member page (records.selectors.masked_display),
    unless they manage members; the applicant sees their own."""
    from tenant_apps.records.selectors import masked_display

    steps = [{"title": s.title, "rows": field_rows(s.fields, application.answers, {},
                                                  application=application)}
             for s in form_steps(type_doc(application))]
    if viewer is not None and viewer.pk != application.applicant_id:
        for step in steps:
            for row in step["rows"]:
                for shown in [row, *(r for item in row.get("items") or []
                                     for r in item.get("rows", []))]:
                    shown["display"] = masked_display(shown["spec"], shown["value"],
                                                      shown["display"], viewer=viewer)
    return steps


def _nav(application) -> list[dict]:
    """The wizard's steps, for the progress bar. A level change starts at the forms (the
    member accepted the notices on joining; the reason is given on the level change
    page)."""
    items = []
    if application.purpose != Application.Purpose.LEVEL_CHANGE:
        items.append({"key": "notices", "title": _("Notices"), "url": reverse(
            "applications:notices", args=[application.public_id])})
    for step in form_steps(type_doc(application)):
        items.append({"key": f"form:{step.index}", "title": step.title,
                      "url": reverse("applications:step", args=[application.public_id,
                                                                  step.index])})
    if type_doc(application)["uploads"]:
        items.append({"key": "uploads", "title": _("Materials"),
                      "url": reverse("applications:uploads", args=[application.public_id])})
    items.append({"key": "confirm", "title": _("Confirm"),
                  "url": reverse("applications:confirm", args=[application.public_id])})
    return items


def _next_url(application, current: str) -> str:
    nav = _nav(application)
    keys = [item["key"] for item in nav]
    return nav[min(keys.index(current) + 1, len(nav) - 1)]["url"]


@login_required
def start(request):
    """Choose the member type (and rank, the body to join, the referral channel)."""
    open_one = selectors.open_application(request.user)
    if open_one is not None:
        if open_one.status in EDITABLE:
            return redirect(_resume_url(open_one))
        return redirect("members:home")
    joined = selectors.joining_application(request.user)
    membership = getattr(request.user, "membership", None)
    # 入会成功 for a member; a lapsed (reapply) or withdrawn one applies anew here.
    if joined is not None and joined.status == Status.COMPLETED \
            and membership is not None and not may_join_again(membership):
        return joined_page(request, joined)
    types = list(MemberType.objects.filter(active=True).prefetch_related("ranks"))
    # CAQ: 企业入会 and 个人入会, each with its own member types (configuration/entries.py)
    entries = join_entries(request.POST.get("kind") or request.GET.get("kind"))
    if entries:
        types = [t for t in types if t.kind == current_kind(entries)]
    branches = list(Branch.objects.filter(active=True, accepts_applications=True))
    channels = referral_channels_offered()
    error = None
    # what was chosen and typed, shown again after an error
    posted = {k: request.POST.get(k, "") for k in (
        "member_type", "rank", "branch", "referral", "referral_branch", "referrer_name",
        "referrer_number")}
    # A referral code (its link, or the session it left before sign-up or login) fills in
    # the referral; the channel's rules are checked by application_start all the same.
    referral, referral_error = _referral_from_code(request)
    if referral is not None and request.method != "POST":
        posted.update(referral.prefill())
    if request.method == "POST":
        mtype = next((t for t in types if t.code == request.POST.get("member_type")), None)
        try:
            if mtype is None:
                raise AppError("type_required", _("Choose a member type."),
                               field="member_type")
            rank = mtype.ranks.filter(code=request.POST.get("rank")).first()
            branch = next((b for b in branches if b.code == request.POST.get("branch")), None)
            application = application_start(
                applicant=request.user, member_type=mtype, rank=rank, branch=branch,
                referral=referral_channel_chosen(request.POST.get("referral")),
                referral_branch=Branch.objects.filter(
                    active=True, code=request.POST.get("referral_branch") or "").first(),
                referrer_name=request.POST.get("referrer_name", "")[:100],
                referrer_number=request.POST.get("referrer_number", "")[:40],
                by_code=referral is not None and referral.matches(posted))
        except AppError as exc:
            error = exc
        else:
            from tenant_apps.referrals.codes import SESSION_KEY

            request.session.pop(SESSION_KEY, None)
            return redirect("applications:notices", application.public_id)
    return render(request, "applications/start.html", {
        "types": types, "branches": branches, "channels": channels, "error": error,
        "entries": entries, "kind": current_kind(entries),
        "all_branches": Branch.objects.filter(active=True), "posted": posted,
        "referral": referral, "referral_error": referral_error,
        "referral_required": account_settings().referral_required},
        status=400 if error else 200)


def _referral_from_code(request):
    """The referral a code names (`?ref=` on the apply page, or the session a referral link
    left), and the message for a code that is not valid (then forgotten). A code on the
    address is kept in the session, for the pages that follow."""
    from tenant_apps.referrals.codes import SESSION_KEY, resolve

    code = request.GET.get("ref") or request.session.get(SESSION_KEY)
    if not code:
        return None, ""
    try:
        referral = resolve(code)
    except AppError as exc:
        request.session.pop(SESSION_KEY, None)
        return None, exc.message
    request.session[SESSION_KEY] = referral.code
    return referral, ""


def joined_page(request, application):
    """入会成功: the journey's stages all ticked, the receipt to ask for, the member centre
    (seed 004, steps 8 and 9)."""
    return render(request, "applications/joined.html", {
        "application": application, "progress": selectors.join_progress(application),
        "order": selectors.receipt_order(application)})


def _resume_url(application) -> str:
    if application.wizard_step.startswith("form:"):
        return reverse("applications:step", args=[application.public_id,
                                                  int(application.wizard_step[5:])])
    if application.wizard_step == "uploads":
        return reverse("applications:uploads", args=[application.public_id])
    return _nav(application)[0]["url"]


@login_required
def notices(request, public_id):
    application = _mine(request, public_id)
    if application.purpose == Application.Purpose.LEVEL_CHANGE:
        return redirect(_nav(application)[0]["url"])
    shown = {k: n for k, n in current_notices().items() if k in ("joining_notice", "charter")}
    accepted = set(application.acceptances.values_list("kind", flat=True))
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, _("Tick the box to accept, then continue."))
        else:
            from tenant_apps.roster.views import joining_consent

            with transaction.atomic():
                application_accept_notices(application=application, actor=request.user,
                                           ip=client_ip(request))
                # 会员名录: the optional, unticked question below the notices
                joining_consent(request, user=request.user)
            return redirect(_next_url(application, "notices"))
    from tenant_apps.roster.views import joining_context

    return render(request, "applications/notices.html", {
        "application": application, "notices": shown.values(), "accepted": accepted,
        "nav": _nav(application), "current": "notices", "roster": joining_context()})


@login_required
def step(request, public_id, index):
    application = _mine(request, public_id)
    steps = form_steps(type_doc(application))
    if not 0 <= index < len(steps):
        raise Http404
    spec = steps[index]
    errors: dict[str, str] = {}
    values = application.answers
    if request.method == "POST":
        if application.status not in EDITABLE:
            raise Http404
        finish = request.POST.get("action") != "save"
        data: dict = {}
        refused: dict[str, str] = {}  # images refused (kind, size): shown beside their field
        try:
            data = answers_from_post(spec.fields, request, application=application,
                                     errors=refused)
            errors = {**application_save_step(application=application, actor=request.user,
                                              step_index=index, data=data, finish=finish),
                      **refused}
        except AppError as exc:
            errors = {exc.field or "__all__": str(exc.message)}
            if not exc.field:
                messages.error(request, str(exc.message))
        application.refresh_from_db()
        # After an error everything typed stays on the page, valid or not (the valid
        # answers are saved as well); only a field nobody posted shows its saved answer.
        values = {**application.answers, **data} if errors else application.answers
        if not errors:
            if finish:
                return redirect(_next_url(application, f"form:{index}"))
            messages.success(request, _("Saved as a draft. You can come back any time."))
            return redirect(request.path)
    return render(request, "applications/step.html", {
        "application": application, "step": spec, "nav": _nav(application),
        "current": f"form:{index}",
        "rows": field_rows(spec.fields, values, errors, application=application),
        "region_data": region_data(),
        "editable": application.status in EDITABLE},
        status=400 if errors else 200)


@login_required
def uploads(request, public_id):
    application = _mine(request, public_id)
    specs = type_doc(application)["uploads"]
    error_for: dict[str, str] = {}
    if request.method == "POST":
        key = request.POST.get("requirement", "")
        try:
            if request.POST.get("remove"):
                application_remove_upload(
                    application=application, actor=request.user,
                    upload_id=parsed(UploadRemoveForm, request.POST)["remove"])
            elif "file" not in request.FILES:
                raise AppError("file_required", _("Choose a file first."), field="file")
            else:
                application_add_upload(application=application, actor=request.user,
                                       requirement=key, uploaded=request.FILES["file"])
                application.wizard_step = "uploads"
                application.save(update_fields=["wizard_step"])
        except AppError as exc:
            error_for[key] = str(exc.message)
            if key not in {spec["key"] for spec in specs}:  # no row to show it beside
                messages.error(request, str(exc.message))
        else:
            return redirect(request.path)
    files = list(application.uploads.select_related("file"))
    rows = []
    for spec in specs:
        formats = accepted_formats(spec, default_kinds=())
        rows.append({"spec": spec, "files": [f for f in files if f.requirement == spec["key"]],
                     "kinds": formats_label(formats), "accept": formats_accept(formats),
                     "error": error_for.get(spec["key"])})
    return render(request, "applications/uploads.html", {
        "application": application, "rows": rows, "nav": _nav(application),
        "current": "uploads", "editable": application.status in EDITABLE},
        status=400 if error_for else 200)


@login_required
def form_pdf(request, public_id):
    """The filled-in application form, generated for printing, stamping and uploading."""
    application = _mine(request, public_id)
    response = HttpResponse(application_form_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="application-form.pdf"'
    return response


@login_required
def confirm(request, public_id):
    application = _mine(request, public_id)
    if request.method == "POST":
        try:
            application_submit(application=application, actor=request.user)
        except AppError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Your application is submitted."))
            return redirect("members:home")
    summary = _summary(application)
    return render(request, "applications/confirm.html", {
        "application": application, "summary": summary, "nav": _nav(application),
        "current": "confirm", "problems": application_problems(application),
        "fee": fee_due_fen(application), "chain": chain_of(application),
        "amount": amount_due_fen(application),
        "editable": application.status in EDITABLE})


# --- staff -----------------------------------------------------------------------------------

@login_required
def queue(request):
    """The applications waiting for this person, oldest first, 50 a page (`?page=`)."""
    if not request.user.is_association_staff:
        raise Http404
    try:
        page = parsed(PageForm, request.GET)["page"] or 1
    except AppError as exc:
        return render(request, "400.html", {"message": exc.message}, status=400)
    from tenant_apps.accounts.capabilities import held_roles

    held = held_roles()  # for the applications and the change requests' count alike
    found = selectors.review_queue(request.user, page=page, held=held)
    rows = [{"application": a, "label": selectors.status_label(a),
             "step": chain_of(a)[a.review_position]["name"], "unstaffed": a.unstaffed,
             "party": selectors.party_of(a)}
            for a in found.rows]
    from tenant_apps.records.selectors import change_requests_waiting

    return render(request, "applications/queue.html", {
        "rows": rows, "found": found, "changes": change_requests_waiting(request.user, held)})


@login_required
def review(request, public_id):
    application = selectors.application_for_reviewer(request.user, public_id)
    if application is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            fields = parsed(ReviewDecisionForm, request.POST)
            review_decide(application=application, actor=request.user,
                          decision=fields["decision"], expected_position=fields["position"],
                          reason=fields["reason"])
        except AppError as exc:
            error = exc
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("applications:queue")
    summary = _summary(application, viewer=request.user)
    chain = chain_of(application)
    step_now = chain[application.review_position] if application.status == Status.IN_REVIEW \
        and application.review_position is not None else None
    from tenant_apps.accounts.capabilities import can_for_member
    from tenant_apps.applications.services import can_review, step_unstaffed

    return render(request, "applications/review.html", {
        "application": application, "summary": summary, "chain": chain,
        "party": selectors.party_of(application),
        "label": selectors.status_label(application), "step": step_now,
        "can_decide": step_now is not None and can_review(request.user, application, step_now),
        "unstaffed": step_now is not None and step_unstaffed(application, step_now),
        "materials": _materials(application), "fee": _fee_state(application),
        "events": application.events.all(), "error": error,
        "branch_codes": branch_codes(application.revision.document),
        # no 推荐 row where the association has no channels to choose (CACEM, CAQ, Jiangsu)
        "show_referral": bool(application.referral_channel_id
                              or application.revision.document.get("referral_channels")),
        # the referring member's page, for staff who may open it (a branch administrator:
        # a member of their branch)
        "referrer_link": application.referrer is not None and can_for_member(
            request.user, "members.view", application.referrer)},
        status=409 if error and error.status == 409 else (400 if error else 200))


INLINE_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _materials(application) -> list[dict]:
    """The uploads under their requirements' labels (never the internal key), each marked
    whether the reviewer's browser can show it in place (files:view)."""
    specs = type_doc(application)["uploads"]
    labels = {spec["key"]: spec["label"] for spec in specs}
    order = {spec["key"]: n for n, spec in enumerate(specs)}
    rows = sorted(application.uploads.select_related("file"),
                  key=lambda u: (order.get(u.requirement, len(order)), u.pk))
    return [{"label": labels.get(u.requirement, _("Other material")), "file": u.file,
             "image": u.file.content_type in INLINE_IMAGES,
             "pdf": u.file.content_type == "application/pdf"} for u in rows]


def _fee_state(application) -> str:
    """Whether the fee is paid, as the reviewer needs to know before deciding."""
    from tenant_apps.billing.models import OrderStatus

    if application.paid_at:
        return _("Paid on %(date)s") % {
            "date": timezone.localtime(application.paid_at).strftime("%Y-%m-%d")}
    if not amount_due_fen(application):
        return _("No fee")
    if application.orders.filter(status=OrderStatus.AWAITING_CONFIRMATION).exists():
        return str(OrderStatus.AWAITING_CONFIRMATION.label)
    return _("Not paid")


@require_POST
@login_required
def withdraw(request, public_id):
    from tenant_apps.applications.services import application_withdraw

    application = _mine(request, public_id)
    try:
        application_withdraw(application=application, actor=request.user)
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("members:home")


@login_required
@member_services_required
def level_change(request):
    """A member's level changes: the levels the association allows with their prices, a
    reason, then the target type's forms, uploads and review (the wizard); and the changes
    asked for so far, with their status."""
    from tenant_apps.applications.services import level_change_start, level_change_targets

    membership = getattr(request.user, "membership", None)
    if membership is None:
        return redirect("members:home")
    targets = level_change_targets(membership)
    error = None
    if request.method == "POST":
        chosen = next((t for t in targets if t["value"] == request.POST.get("target")), None)
        try:
            if chosen is None:
                raise AppError("level_change_not_allowed", _("Choose the new level."),
                               field="target")
            application = level_change_start(
                membership=membership, actor=request.user, member_type=chosen["type"],
                rank=chosen["rank"], reason=request.POST.get("reason", ""))
        except AppError as exc:
            error = exc
        else:
            return redirect(_resume_url(application))
    changes = [{"application": a, "label": selectors.status_label(a)}
               for a in selectors.level_changes_of(request.user)]
    return render(request, "applications/level_change.html", {
        "membership": membership, "targets": targets, "error": error, "changes": changes,
        "open": selectors.open_application(request.user),
        "reason": request.POST.get("reason", "") if error else "",
        "chosen": request.POST.get("target", "") if error else ""},
        status=error.status if error and error.status != 400 else (400 if error else 200))


