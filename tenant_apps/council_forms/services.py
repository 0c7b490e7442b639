"""Writes of 完善理事资料: the profile's forms applied, and a member's answers saved."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.council_forms.models import CouncilForm, CouncilFormAnswer


def council_forms_apply(specs: list[dict]) -> None:
    """The profile's `council_forms`, by code: new ones made, changed ones updated, those
    left out deactivated (their answers are kept)."""
    by_code = {f.code: f for f in CouncilForm.objects.all()}
    for position, spec in enumerate(specs):
        form = by_code.get(spec["code"]) or CouncilForm(code=spec["code"])
        form.title, form.intro, form.steps = spec["title"], spec["intro"], spec["steps"]
        form.member_types, form.ranks = spec["member_types"], spec["ranks"]
        form.position, form.active = position, True
        form.save()
    CouncilForm.objects.exclude(code__in=[s["code"] for s in specs]).update(active=False)


def council_forms_exported() -> list[dict]:
    return [{"code": f.code, "title": f.title, "intro": f.intro,
             "member_types": list(f.member_types), "ranks": list(f.ranks),
             "steps": f.steps} for f in CouncilForm.objects.filter(active=True)]


class AnswersInvalid(AppError):
    """The answers have mistakes: `errors` by field key, for the page to show beside them."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("council_form_invalid", _("Correct the marked fields."),
                         status=400, details={"errors": errors})


@transaction.atomic
def council_form_answer(*, acting_user, membership, form: CouncilForm,
                        data: dict) -> CouncilFormAnswer:
    """去完善: the member's answers, checked as the application form checks them; saved as
    已完善 (a second save corrects them). The row is locked so two saves cannot both insert."""
    from tenant_apps.applications.engine import check_answers

    if not form.active or not form.applies_to(membership):
        raise AppError("council_form_not_yours", _("This form is not for you."), status=404)
    cleaned, errors = check_answers(form.fields, data, branches=_branch_codes(),
                                    require=True)
    if errors:
        raise AnswersInvalid(errors)
    now = timezone.now()
    answer, created = CouncilFormAnswer.objects.select_for_update().get_or_create(
        form=form, membership=membership,
        defaults={"answers": cleaned, "completed_at": now, "updated_at": now,
                  "updated_by": acting_user})
    if not created:
        answer.answers, answer.updated_at, answer.updated_by = cleaned, now, acting_user
        answer.save(update_fields=["answers", "updated_at", "updated_by"])
    audit_record(actor=acting_user, action="council_form.completed" if created
                 else "council_form.updated", target=answer, data={"form": form.code})
    return answer


def _branch_codes() -> set[str]:
    from tenant_apps.configuration.models import Branch

    return set(Branch.objects.filter(active=True).values_list("code", flat=True))
