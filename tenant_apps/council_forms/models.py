"""A form some members must fill (`CouncilForm`, from the profile) and one member's answers
to it (`CouncilFormAnswer`, one per member and form).

A form has no status of its own and an answer has two: none yet (待完善) or given (已完善,
`completed_at`); the member may correct it later, which keeps it 已完善. So there is no state
table here: whether a row exists is the state."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiji.sealed import SealedJSONField


class CouncilForm(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(blank=True)
    # Whom it applies to: members of these types (empty: any) and of these ranks (empty: any).
    member_types = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    ranks = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # [{title, fields: [...]}]: the profile's form steps, fields of configuration.fieldtypes.
    steps = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("council form")
        verbose_name_plural = _("council forms")

    def __str__(self) -> str:
        return self.title

    @property
    def fields(self) -> list[dict]:
        return [f for step in self.steps for f in step.get("fields", [])]

    def applies_to(self, membership) -> bool:
        if self.member_types and membership.member_type.code not in self.member_types:
            return False
        return not self.ranks or (membership.rank is not None
                                  and membership.rank.code in self.ranks)


class CouncilFormAnswer(models.Model):
    form = models.ForeignKey(CouncilForm, on_delete=models.PROTECT, related_name="answers")
    membership = models.ForeignKey("memberships.Membership", on_delete=models.PROTECT,
                                   related_name="council_form_answers")
    answers = SealedJSONField(default=dict)  # sensitive answers sealed at rest
    completed_at = models.DateTimeField(_("completed"))
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "membership"],
                                               name="one_answer_per_member_and_form")]
        verbose_name = _("council form answer")
        verbose_name_plural = _("council form answers")

    def __str__(self) -> str:
        return f"{self.form.code}: {self.membership_id}"
