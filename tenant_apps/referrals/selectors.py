"""Reads of referrals: a member's 我的推荐 and the staff report by branch and by member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.applications.models import Application, Status

# Where a referred person stands, in the manuals' words (申请中, 待付款, 已入会, 已失效).
STAGES = {
    "applying": pgettext_lazy("referral stage", "Applying"),
    "not_approved": pgettext_lazy("referral stage", "Not approved"),
    "to_pay": pgettext_lazy("referral stage", "Awaiting payment"),
    "joined": pgettext_lazy("referral stage", "Joined"),
    "lapsed": pgettext_lazy("referral stage", "No longer a member"),
    "withdrawn": pgettext_lazy("referral stage", "Application withdrawn"),
}
_BY_STATUS = {Status.DRAFT: "applying", Status.IN_REVIEW: "applying",
              Status.RETURNED: "applying", Status.REJECTED: "not_approved",
              Status.AWAITING_PAYMENT: "to_pay", Status.PAYMENT_REVIEW: "to_pay",
              Status.WITHDRAWN: "withdrawn"}


def stage_of(application: Application) -> str:
    if application.status == Status.COMPLETED:
        membership = application.membership
        if membership is not None and membership.status in ("lapsed", "withdrawn"):
            return "lapsed"
        return "joined"
    return _BY_STATUS.get(application.status, "applying")


def masked_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧**: the first character and no more, as the manuals show."""
    name = (name or "").strip()
    if not name:
        return "—"
    return name[0] + "*" * max(1, min(len(name) - 1, 2))


@dataclass(frozen=True)
class Referred:
    name: str  # masked
    member_type: str
    started: dt.date
    stage: str
    stage_label: str


def referred_by(membership) -> dict:
    """我的推荐: the people a member referred (their joining applications), newest first,
    each with where they stand, and the count per stage."""
    rows = []
    applications = Application.objects.filter(
        referrer=membership, purpose=Application.Purpose.JOIN).select_related(
        "applicant", "member_type", "membership").order_by("-created_at", "-pk")
    for application in applications:
        stage = stage_of(application)
        rows.append(Referred(masked_name(application.applicant.name),
                             application.member_type.name,
                             timezone.localdate(application.created_at), stage,
                             str(STAGES[stage])))
    counts = [{"stage": key, "label": label, "n": sum(1 for r in rows if r.stage == key)}
              for key, label in STAGES.items()]
    return {"rows": rows, "counts": [c for c in counts if c["n"]], "total": len(rows)}


def report_scope(user) -> tuple[bool, list]:
    """Whether `user` reads the report for the whole association, and else the branches they
    administer (members.view: HQ, reviewers, the secretariat all; branch administrators
    their own)."""
    held = scope(user, "members.view")
    if held == ALL:
        return True, []
    return False, list(user.administered_branches.filter(active=True))


def referral_report(user, date_from: dt.date, date_to: dt.date) -> dict:
    """Joining applications with a referral started in [date_from, date_to], counted by the
    branch credited and by the referring member: applications, members joined (the
    application completed), and how many came through a referral code. A branch
    administrator counts only their branches' referrals and the referrals of their
    branches' members."""
    whole, branches = report_scope(user)
    applications = Application.objects.filter(
        purpose=Application.Purpose.JOIN, referral_channel__isnull=False,
        created_at__date__gte=date_from, created_at__date__lte=date_to)
    counts = {"applications": Count("pk"),
              "joined": Count("pk", filter=Q(status=Status.COMPLETED)),
              "by_code": Count("pk", filter=Q(referred_by_code=True))}
    by_branch = applications.filter(referral_branch__isnull=False)
    by_member = applications.filter(referrer__isnull=False)
    if not whole:
        by_branch = by_branch.filter(referral_branch__in=branches)
        by_member = by_member.filter(referrer__record__branch__in=branches)
    branch_rows = list(by_branch.values(
        "referral_branch__code", "referral_branch__name").annotate(**counts).order_by(
        "-applications", "referral_branch__name"))
    member_rows = list(by_member.values(
        "referrer__number", "referrer__user__name", "referrer__record__branch__name")
        .annotate(**counts).order_by("-applications", "referrer__number"))
    totals = {key: sum(r[key] for r in branch_rows) + sum(r[key] for r in member_rows)
              for key in counts}
    return {"branches": branch_rows, "members": member_rows, "totals": totals,
            "whole": whole, "scope_branches": branches}
