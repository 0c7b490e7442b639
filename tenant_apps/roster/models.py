"""The public member roster (会员名录): the association's choice of what it publishes, and each
member's consent to being published (docs/roster.md).

The rows themselves are not copied: the roster reads the member directory's search rows
(`directory.DirectoryEntry`) and the record's contacts, filtered to those who consented."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterSettings(models.Model):
    """The profile's `roster` block (one row per association; none: the roster is off)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    enabled = models.BooleanField(default=False)
    # The columns in display order as the profile gives them (roster.columns): a code, or
    # {column, label} with the association's own heading; `name` first.
    columns = models.JSONField(default=list, blank=True)
    # How a consented liaison phone is shown: masked (139****5678) or full.
    phone = models.CharField(max_length=10, default="masked")
    # Member types listed (codes); empty: every type.
    member_types = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # The question asked at joining and in the member centre, as the association words it.
    consent_text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("roster settings")
        verbose_name_plural = _("roster settings")

    def __str__(self) -> str:
        return "roster settings"


class RosterConsent(models.Model):
    """A member's consent to publication in the roster, per account (the unit's account for a
    unit, whichever liaison logged in): asked before the membership exists (at joining), so it
    is not keyed by the membership. Withdrawn: `withdrawn_at` set and nothing published; every
    give and withdrawal also writes an audit row (`roster.consent_given`,
    `roster.consent_withdrawn`), the dated history the law asks for."""

    class Source(models.TextChoices):
        JOINING = "joining", _("at joining")
        MEMBER_CENTRE = "member_centre", _("in the member centre")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="roster_consent")
    # The personal columns (liaison name, phone, e-mail) the member agreed to publish; the
    # association's other columns come with being listed at all.
    fields = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    # The wording the member agreed to (the association may change it later).
    consent_text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("roster consent")
        verbose_name_plural = _("roster consents")

    def __str__(self) -> str:
        return f"roster consent of {self.user_id}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
