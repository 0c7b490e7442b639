"""Certificates and member cards issued to a membership (docs/certificates.md).

A `Certificate` is one document as issued: its kind (electronic certificate, paper
certificate, member card), its own readable number (`CMES-2026-000123`, a sequence per
association and year), two verification codes (a random one of 256 bits in the QR code, a
short one of 60 bits printed for typing; both unique-indexed), and a snapshot of what it
shows. It is written only by `certificates.services`; its moves are in `state.py`. When what
it shows changes a new one is issued and the old one is kept, superseded, so the history
stays complete. A paper certificate also moves through 待制作 → 已打印 → 已邮寄."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CertificateSequence(models.Model):
    """The next certificate number of one year, taken under a row lock inside the issuing
    transaction (numbers never repeat; a rolled-back issue gives its number back)."""

    year = models.PositiveSmallIntegerField(unique=True)
    next_value = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.year}: {self.next_value}"


class Certificate(models.Model):
    class Kind(models.TextChoices):
        ELECTRONIC = "electronic", pgettext_lazy("certificate kind", "Electronic certificate")
        PAPER = "paper", pgettext_lazy("certificate kind", "Paper certificate")
        CARD = "card", pgettext_lazy("certificate kind", "Member card")

    class Status(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("certificate status", "In use")
        SUPERSEDED = "superseded", pgettext_lazy("certificate status", "Re-issued")
        REVOKED = "revoked", pgettext_lazy("certificate status", "Revoked")

    class Paper(models.TextChoices):
        TO_MAKE = "to_make", pgettext_lazy("paper certificate", "To make")
        PRINTED = "printed", pgettext_lazy("paper certificate", "Printed")
        MAILED = "mailed", pgettext_lazy("paper certificate", "Mailed")

    membership = models.ForeignKey("memberships.Membership", on_delete=models.PROTECT,
                                   related_name="certificates")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    # In the QR code: 43 URL-safe characters from 32 random bytes.
    code = models.CharField(max_length=64, unique=True)
    # Printed on the certificate for typing: 12 characters of Crockford's base 32 (60 bits).
    short_code = models.CharField(max_length=16, unique=True)
    # What the certificate shows, as issued: name, number, member_type, rank, joined,
    # valid_until, unit, credit_code, photo (a PrivateFile's public id).
    shown = models.JSONField(default=dict)
    # A digest of `shown` (what a re-issue compares), per kind.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ISSUED, db_index=True)
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    paper_state = models.CharField(_("paper certificate"), max_length=10,
                                   choices=Paper.choices, blank=True, db_index=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["membership", "kind"], condition=models.Q(status="issued"),
            name="one_issued_certificate_per_kind")]
        indexes = [models.Index(fields=["membership", "status"], name="certificate_current"),
                   models.Index(fields=["paper_state", "issued_at"],
                                condition=models.Q(kind="paper"), name="paper_queue")]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number
