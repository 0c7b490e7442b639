"""Staff screens for the association's configuration (HQ administrators only).

Every save goes through tenant_apps.configuration.services (audited, revision recorded, the
whole configuration re-validated); these views only choose forms and templates.
"""

from __future__ import annotations

import re

import yaml
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.configuration import forms as cf
from tenant_apps.configuration.crypto import mask
from tenant_apps.configuration.models import (
    AssociationSettings,
    Branch,
    ConfigurationRevision,
    FormField,
    FormPurpose,
    FormStep,
    MemberType,
    MessageEvent,
    MessageTemplate,
    Notice,
    PaymentAccount,
    Rank,
    ReferralChannel,
    ReviewStep,
    UploadRequirement,
)
from tenant_apps.configuration.profile import ProfileError
from tenant_apps.configuration.selectors import (
    branch_tree,
    current_notices,
    fee_preview,
    payment_warnings,
    profile_export,
    review_steps_unstaffed,
)
from tenant_apps.configuration.services import (
    config_change,
    config_delete,
    config_move,
    fee_add,
    notice_publish,
    payment_secret_set,
    profile_import_text,
)
from tenant_apps.configuration.views.permissions import hq_admin_required

SECTIONS = [
    ("configuration:overview", _("Overview")),
    ("configuration:types", _("Member types")),
    ("configuration:branches", _("Branches")),
    ("configuration:referrals", _("Referral channels")),
    ("configuration:notices", _("Notices")),
    ("configuration:templates", _("Message templates")),
    ("configuration:payments", _("Payment accounts")),
    ("certificates:design", _("Certificates and cards")),
    ("configuration:accounts", _("Sign-up and login")),
    ("configuration:site", _("Home page and contacts")),
    ("configuration:profile", _("Profile file")),
]


def _page(request, template: str, context: dict, status: int = 200):
    nav = []
    for name, label in SECTIONS:
        href = reverse(name)
        current = request.path == href or (
            name != "configuration:overview" and request.path.startswith(href))
        nav.append({"href": href, "label": label, "current": current})
    return render(request, f"configuration/manage/{template}", {"nav": nav, **context},
                  status=status)


# What the last part of a problem's place in the configuration document is called on these
# screens: staff edit forms, not a file, so no document path is shown to them.
PLACE_LABELS = {
    "review_chain": gettext_lazy("Review chain"), "fees": gettext_lazy("Fees"),
    "uploads": gettext_lazy("Required uploads"),
    "template_file": gettext_lazy("Blank form to download"), "fields": gettext_lazy("Fields"),
    "steps": gettext_lazy("Form steps"), "ranks": gettext_lazy("Ranks"),
    "branches": gettext_lazy("Branches"), "payment_accounts": gettext_lazy("Payment accounts"),
    "member_types": gettext_lazy("Member types"),
    "referral_channels": gettext_lazy("Referral channels"),
    "message_templates": gettext_lazy("Message templates"),
}


def readable_problem(path: str, rule: str) -> str:
    """A configuration problem as staff read it: the rule, after the name of the part of the
    configuration it is about (审核流程：不能为空), never `member_types[1].review_chain`."""
    parts = [re.sub(r"\[\d+\]$", "", part) for part in str(path).split(".") if part]
    place = next((PLACE_LABELS[part] for part in reversed(parts) if part in PLACE_LABELS),
                 None)
    return _("%(place)s: %(rule)s") % {"place": place, "rule": rule} if place else str(rule)


def _problems_to_form(form, exc: ProfileError | AppError) -> None:
    if isinstance(exc, ProfileError):
        for path, rule in exc.problems:
            form.add_error(None, readable_problem(path, rule))
    else:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _edit(request, form, *, action: str, summary: str, back: str, title: str,
          save=None):
    """The common edit page: validate, save through config_change, or show the errors."""
    if request.method == "POST" and form.is_valid():
        try:
            config_change(acting_user=request.user, action=action, summary=summary,
                          instance=form.instance, change=save or form.save)
        except (ProfileError, AppError) as exc:
            _problems_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _page(request, "form.html", {"form": form, "title": title, "back": back},
                 status=400 if request.method == "POST" else 200)


@hq_admin_required
def overview(request):
    counts = {
        "types": MemberType.objects.filter(active=True).count(),
        "branches": Branch.objects.filter(active=True).count(),
        "referrals": ReferralChannel.objects.filter(active=True).count(),
        "notices": Notice.objects.values("kind").distinct().count(),
        "templates": MessageTemplate.objects.count(),
        "payments": PaymentAccount.objects.filter(enabled=True).count(),
    }
    revision = ConfigurationRevision.objects.first()
    return _page(request, "overview.html", {"counts": counts, "revision": revision,
                                            "warnings": payment_warnings()})


# --- Member types and everything hanging off one -------------------------------------------

@hq_admin_required
def types(request):
    rows = MemberType.objects.prefetch_related("fees", "ranks").all()
    today = timezone.localdate()
    table = [{"type": t, "preview": fee_preview(t, on=today) if not t.ranks.all() else None}
             for t in rows]
    return _page(request, "types.html", {"rows": table})


@hq_admin_required
def type_edit(request, code=None):
    instance = get_object_or_404(MemberType, code=code) if code else MemberType()
    form = cf.MemberTypeForm(request.POST or None, instance=instance)
    back = reverse("configuration:type", args=[code]) if code else \
        reverse("configuration:types")
    if request.method == "POST" and form.is_valid():
        back = reverse("configuration:type", args=[form.cleaned_data["code"]])
    return _edit(request, form, action="member_type.saved", back=back,
                 title=_("Edit %(name)s") % {"name": instance} if code else _("New member type"),
                 summary=_("Member type %(code)s") % {
                     "code": form.data.get("name") or form.data.get("code", code)})


def _member_type(code) -> MemberType:
    return get_object_or_404(MemberType.objects.prefetch_related(
        "ranks", "fees__rank", "uploads", "review_steps", "form_steps__fields"), code=code)


@hq_admin_required
def type_detail(request, code):
    mtype = _member_type(code)
    preview_form = cf.FeePreviewForm(request.GET or None)
    on = preview_form.date() or timezone.localdate()
    ranks = list(mtype.ranks.all())
    previews = [{"rank": rank, "lines": fee_preview(mtype, rank=rank, on=on)}
                for rank in (ranks or [None])]
    steps = {purpose: [s for s in mtype.form_steps.all() if s.purpose == purpose]
             for purpose in FormPurpose.values}
    unstaffed = review_steps_unstaffed(mtype)
    return _page(request, "type_detail.html", {
        "type": mtype, "ranks": ranks, "previews": previews, "preview_form": preview_form,
        "on": on, "fees": sorted(mtype.fees.all(), key=lambda f: (
            f.rank.position if f.rank else -1, f.effective_from)),
        "registration_steps": steps[FormPurpose.REGISTRATION],
        "application_steps": steps[FormPurpose.APPLICATION],
        "chain": [{"step": s, "unstaffed": unstaffed.get(s.pk)}
                  for s in mtype.review_steps.all()],
        "fee_form": cf.FeeForm(member_type=mtype)})


@hq_admin_required
def fee_new(request, code):
    mtype = get_object_or_404(MemberType, code=code)
    form = cf.FeeForm(request.POST or None, member_type=mtype)
    back = reverse("configuration:type", args=[code])
    if request.method == "POST" and form.is_valid():
        try:
            fee = fee_add(acting_user=request.user, member_type=mtype,
                          rank=form.cleaned_data.get("rank"),
                          amount_fen=form.cleaned_data["amount"],
                          effective_from=form.cleaned_data["effective_from"])
        except (ProfileError, AppError) as exc:
            _problems_to_form(form, exc)
        else:
            messages.success(request, _("New fee from %(date)s saved.")
                             % {"date": fee.effective_from})
            return redirect(f"{back}?on={fee.effective_from.isoformat()}#fees")
    return _page(request, "form.html", {"form": form, "back": back,
                                        "title": _("New fee for %(name)s") % {"name": mtype}},
                 status=400 if request.method == "POST" else 200)


@hq_admin_required
def rank_edit(request, code, rank_code=None):
    mtype = get_object_or_404(MemberType, code=code)
    rank = get_object_or_404(Rank, member_type=mtype, code=rank_code) if rank_code \
        else Rank(member_type=mtype, position=mtype.ranks.count())
    form = cf.RankForm(request.POST or None, instance=rank)
    return _edit(request, form, action="rank.saved", title=_("Rank"),
                 back=reverse("configuration:type", args=[code]),
                 summary=_("Rank of %(type)s") % {"type": mtype})


@hq_admin_required
def step_edit(request, code, step_id=None):
    mtype = get_object_or_404(MemberType, code=code)
    step = get_object_or_404(FormStep, member_type=mtype, pk=step_id) if step_id \
        else FormStep(member_type=mtype, position=mtype.form_steps.count())
    form = cf.FormStepForm(request.POST or None, instance=step)
    return _edit(request, form, action="form_step.saved", title=_("Form step"),
                 back=reverse("configuration:type", args=[code]) + "#forms",
                 summary=_("Form step of %(type)s") % {"type": mtype})


@hq_admin_required
def field_edit(request, code, field_id=None):
    mtype = get_object_or_404(MemberType, code=code)
    field = get_object_or_404(FormField, step__member_type=mtype, pk=field_id) if field_id \
        else FormField()
    initial = {"step": request.GET.get("step")} if not field_id else None
    form = cf.FormFieldForm(request.POST or None, instance=field, member_type=mtype,
                            initial=initial)

    def save():
        obj = form.save(commit=False)
        if not obj.pk:
            obj.position = obj.step.fields.count()
        obj.save()
        return obj

    return _edit(request, form, action="form_field.saved", save=save,
                 title=_("Form field"), back=reverse("configuration:type", args=[code]) +
                 "#forms", summary=_("Form field of %(type)s") % {"type": mtype})


@hq_admin_required
def upload_edit(request, code, key=None):
    mtype = get_object_or_404(MemberType, code=code)
    upload = get_object_or_404(UploadRequirement, member_type=mtype, key=key) if key \
        else UploadRequirement(member_type=mtype, position=mtype.uploads.count())
    form = cf.UploadForm(request.POST or None, request.FILES or None, instance=upload)
    return _edit(request, form, action="upload.saved", title=_("Required upload"),
                 back=reverse("configuration:type", args=[code]) + "#uploads",
                 summary=_("Upload of %(type)s") % {"type": mtype})


@hq_admin_required
def review_step_edit(request, code, step_id=None):
    mtype = get_object_or_404(MemberType, code=code)
    step = get_object_or_404(ReviewStep, member_type=mtype, pk=step_id) if step_id \
        else ReviewStep(member_type=mtype, position=mtype.review_steps.count())
    form = cf.ReviewStepForm(request.POST or None, instance=step)
    return _edit(request, form, action="review_step.saved", title=_("Review step"),
                 back=reverse("configuration:type", args=[code]) + "#chain",
                 summary=_("Review chain of %(type)s") % {"type": mtype})


MOVABLE = {"field": FormField, "step": FormStep, "upload": UploadRequirement,
           "review": ReviewStep, "rank": Rank, "branch": Branch, "type": MemberType,
           "referral": ReferralChannel}
DELETABLE = {"field": FormField, "step": FormStep, "upload": UploadRequirement,
             "review": ReviewStep, "rank": Rank, "template": MessageTemplate}


@hq_admin_required
@require_POST
def move(request, kind, pk):
    model = MOVABLE.get(kind) or _404()
    config_move(acting_user=request.user, instance=get_object_or_404(model, pk=pk),
                up=request.POST.get("direction") == "up")
    return _back(request)


@hq_admin_required
@require_POST
def delete(request, kind, pk):
    model = DELETABLE.get(kind) or _404()
    try:
        config_delete(acting_user=request.user, instance=get_object_or_404(model, pk=pk))
    except (ProfileError, AppError) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Removed."))
    return _back(request)


def _back(request):
    """Back to the screen the button was on: a page of this site only, never another host
    (a crafted `next` would otherwise send a logged-in administrator anywhere)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("configuration:overview")


def _404():
    raise Http404


# --- Association-wide lists ------------------------------------------------------------------

@hq_admin_required
def branches(request):
    return _page(request, "branches.html", {"tree": branch_tree(active_only=False)})


@hq_admin_required
def branch_edit(request, code=None):
    branch = get_object_or_404(Branch, code=code) if code else Branch()
    form = cf.BranchForm(request.POST or None, instance=branch)
    return _edit(request, form, action="branch.saved", title=_("Branch"),
                 back=reverse("configuration:branches"), summary=_("Branch"))


@hq_admin_required
def referrals(request):
    return _page(request, "referrals.html", {"rows": ReferralChannel.objects.select_related(
        "default_branch")})


@hq_admin_required
def referral_edit(request, code=None):
    channel = get_object_or_404(ReferralChannel, code=code) if code else \
        ReferralChannel(position=ReferralChannel.objects.count())
    form = cf.ReferralChannelForm(request.POST or None, instance=channel)
    return _edit(request, form, action="referral_channel.saved", title=_("Referral channel"),
                 back=reverse("configuration:referrals"), summary=_("Referral channel"))


@hq_admin_required
def notices(request):
    return _page(request, "notices.html", {
        "current": current_notices(), "all": Notice.objects.order_by("kind", "-version"),
        "kinds": Notice.Kind.choices})


@hq_admin_required
def notice_new(request):
    kind = request.GET.get("kind")
    latest = Notice.objects.filter(kind=kind).order_by("-version").first() if kind else None
    form = cf.NoticeForm(request.POST or None, initial={
        "kind": kind, "title": latest.title if latest else "",
        "body": latest.body if latest else ""})
    if request.method == "POST" and form.is_valid():
        notice = notice_publish(acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Published version %(v)d.") % {"v": notice.version})
        return redirect("configuration:notices")
    return _page(request, "form.html", {"form": form, "title": _("Publish a notice"),
                                        "back": reverse("configuration:notices"),
                                        "note": _("Publishing makes a new version; earlier "
                                                  "versions stay as applicants accepted them.")})


@hq_admin_required
def templates(request):
    from tenant_apps.notifications.events import EVENTS, event_variables

    events = [{"label": MessageEvent(code).label, "code": code, "when": spec.when,
               "variables": sorted(event_variables(code))} for code, spec in EVENTS.items()]
    return _page(request, "templates.html", {"rows": MessageTemplate.objects.all(),
                                             "events": events})


@hq_admin_required
def template_edit(request, pk=None):
    template = get_object_or_404(MessageTemplate, pk=pk) if pk else MessageTemplate()
    form = cf.MessageTemplateForm(request.POST or None, instance=template)
    return _edit(request, form, action="message_template.saved", title=_("Message template"),
                 back=reverse("configuration:templates"), summary=_("Message template"))


# On the list of accounts a setting is named by its form label; the gateway address's label
# explains how to fill it in, which the list does not need.
_LISTED_LABELS = {**cf.SETTING_LABELS, "gateway_url": gettext_lazy("gateway address")}


@hq_admin_required
def payments(request):
    def named(keys):
        return [(_LISTED_LABELS.get(k, k), k) for k in keys]

    rows = [{"account": a,
             "settings": [(label, a.settings[k]) for label, k in named(a.settings)],
             "secrets": [label for label, _k in named(sorted(a.secrets))]}
            for a in PaymentAccount.objects.all()]
    return _page(request, "payments.html", {"rows": rows, "masked": mask("x" * 12)})


@hq_admin_required
def payment_edit(request, kind=None):
    account = get_object_or_404(PaymentAccount, kind=kind) if kind else PaymentAccount()
    form = cf.PaymentAccountForm(request.POST or None, instance=account)

    def save():
        obj = form.save(commit=False)
        obj.settings = form.settings_values()
        obj.save()
        for name, value in form.secret_values().items():
            payment_secret_set(acting_user=request.user, account=obj, name=name, value=value)
        return obj

    return _edit(request, form, action="payment_account.saved", save=save,
                 title=_("Payment account"), back=reverse("configuration:payments"),
                 summary=_("Payment account"))


@hq_admin_required
def accounts(request):
    instance = AssociationSettings.objects.first() or AssociationSettings(
        login_modes=["phone_password"])
    form = cf.AccountSettingsForm(request.POST or None, instance=instance)
    return _edit(request, form, action="account_settings.saved",
                 title=_("Sign-up and login"), back=reverse("configuration:accounts"),
                 summary=_("Sign-up and login"))


@hq_admin_required
def site(request):
    from tenant_apps.portal.models import SiteContent

    instance = SiteContent.objects.first() or SiteContent()
    form = cf.SiteContentForm(request.POST or None, instance=instance)
    return _edit(request, form, action="site_content.saved",
                 title=_("Home page and contacts"), back=reverse("configuration:site"),
                 summary=_("Home page and contacts"))


# --- The whole configuration as a file -------------------------------------------------------

@hq_admin_required
def profile(request):
    form = cf.ProfileImportForm(request.POST or None, request.FILES or None)
    problems = None
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            revision = profile_import_text(acting_user=request.user, text=text, filename=name)
        except ProfileError as exc:
            problems = exc.problems
            messages.error(request, _("%(file)s was not imported; nothing changed.")
                           % {"file": name})
        else:
            messages.success(request, _("Imported %(file)s as revision %(n)d.")
                             % {"file": name, "n": revision.number})
            return redirect("configuration:profile")
    return _page(request, "profile.html", {
        "form": form, "problems": problems,
        "revisions": ConfigurationRevision.objects.select_related("created_by")[:20]},
        status=400 if problems else 200)


@hq_admin_required
def profile_download(request):
    document = profile_export()
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    slug = request.tenant.slug
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{slug}-profile-{stamp}.yaml"'
    return response
