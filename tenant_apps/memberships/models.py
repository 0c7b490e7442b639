"""Memberships: who is a member, with which number, until when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import MemberType, Rank


class MemberNumberSequence(models.Model):
    """The next member number of one member type. Taken under a row lock inside the
    activation's transaction: numbers never repeat, and a rolled-back activation gives its
    number back, so none is skipped."""

    member_type = models.OneToOneField(MemberType, on_delete=models.PROTECT,
                                       related_name="number_sequence")
    next_value = models.PositiveBigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.member_type.code}: {self.next_value}"


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Member")
        OVERDUE = "overdue", _("Overdue")
        SUSPENDED = "suspended", _("Services suspended")
        LAPSED = "lapsed", _("Lapsed")
        WITHDRAWN = "withdrawn", _("Left the association")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="membership")
    member_type = models.ForeignKey(MemberType, on_delete=models.PROTECT,
                                    related_name="memberships")
    rank = models.ForeignKey(Rank, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="memberships")
    number = models.CharField(_("member number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    activated_at = models.DateTimeField(_("activated"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return self.number
