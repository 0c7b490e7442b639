"""Reads of 完善理事资料: the forms a member must fill and which are done; the staff's
overview of who filled what."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from tenant_apps.accounts.capabilities import can
from tenant_apps.council_forms.models import CouncilForm, CouncilFormAnswer
from tenant_apps.memberships.models import Membership

PER_PAGE = 50


@dataclass(frozen=True)
class FormState:
    form: CouncilForm
    answer: CouncilFormAnswer | None

    @property
    def done(self) -> bool:
        return self.answer is not None


def forms_of(membership, forms=None) -> list[FormState]:
    """The active forms that apply to the member, each with their answer or None (two queries;
    one where `forms`, the active forms, were read already: the member menu passes those of
    configuration/switches.py, and none where no form applies)."""
    if membership is None:
        return []
    if forms is None:
        forms = CouncilForm.objects.filter(active=True)
    forms = [f for f in forms if f.applies_to(membership)]
    if not forms:
        return []
    answers = {a.form_id: a for a in CouncilFormAnswer.objects.filter(
        membership=membership, form__in=forms)}
    return [FormState(f, answers.get(f.pk)) for f in forms]


def form_of_member(membership, code: str) -> FormState | None:
    return next((s for s in forms_of(membership) if s.form.code == code), None)


def may_view(user) -> bool:
    return can(user, "council_forms.view")


def active_forms() -> list[CouncilForm]:
    return list(CouncilForm.objects.filter(active=True))


def applies_q(form: CouncilForm) -> Q:
    q = Q(status__in=[Membership.Status.ACTIVE, Membership.Status.OVERDUE,
                      Membership.Status.SUSPENDED])
    if form.member_types:
        q &= Q(member_type__code__in=form.member_types)
    if form.ranks:
        q &= Q(rank__code__in=form.ranks)
    return q


def overview(form: CouncilForm, *, state: str, page: int) -> tuple[list[dict], int]:
    """The members `form` applies to, each with their answer: `state` "done" (已完善),
    "pending" (待完善) or "" (all). A constant number of queries for any page size."""
    done = CouncilFormAnswer.objects.filter(form=form)
    rows = Membership.objects.filter(applies_q(form)).select_related("directory_entry")
    if state == "done":
        rows = rows.filter(pk__in=done.values("membership_id"))
    elif state == "pending":
        rows = rows.exclude(pk__in=done.values("membership_id"))
    total = rows.count()
    start = (page - 1) * PER_PAGE
    members = list(rows.order_by("number")[start:start + PER_PAGE])
    answers = {a.membership_id: a for a in done.filter(membership__in=members)}
    return [{"membership": m, "name": _name(m), "answer": answers.get(m.pk)}
            for m in members], total


def _name(membership) -> str:
    entry = getattr(membership, "directory_entry", None)
    return entry.name if entry else membership.number


def answer_for_staff(user, code: str, number: str) -> CouncilFormAnswer | None:
    if not may_view(user):
        return None
    return CouncilFormAnswer.objects.filter(form__code=code, form__active=True,
                                            membership__number=number) \
        .select_related("form", "membership__directory_entry").first()


def answers_of(form: CouncilForm):
    """Every filled form of `form`, by member number (the export)."""
    return CouncilFormAnswer.objects.filter(form=form).select_related(
        "membership__directory_entry").order_by("membership__number")
