"""Memberships: who is a member, with which number, until when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        # As the member centre words them: 正式会员 / 欠费(宽限期) / 已暂停 / 已失效 / 已退会.
        ACTIVE = "active", pgettext_lazy("membership status", "Member")
        OVERDUE = "overdue", pgettext_lazy("membership status", "Overdue (grace period)")
        SUSPENDED = "suspended", pgettext_lazy("membership status", "Suspended")
        LAPSED = "lapsed", pgettext_lazy("membership status", "Lapsed")
        WITHDRAWN = "withdrawn", pgettext_lazy("membership status", "Withdrawn")

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
        # The nightly job's queries: per type and status, by the end of validity.
        indexes = [models.Index(fields=["member_type", "status", "valid_until"],
                                name="membership_lifecycle"),
                   # a member number as a login, in any case (accounts.selectors)
                   models.Index(Upper("number"), name="membership_number_upper")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return self.number


class MembershipEvent(models.Model):
    """One move of a membership's status, with its reason: the member's history. Written by
    the nightly lifecycle job (in bulk, one row per membership moved) and by the services
    (renewal, withdrawal, rejoining)."""

    class Reason(models.TextChoices):
        UNPAID = "unpaid", _("The fee was not paid by the end of the validity")
        UNPAID_SUSPENDED = "unpaid_suspended", _("Unpaid past the grace period")
        UNPAID_LAPSED = "unpaid_lapsed", _("Unpaid past the time to lapse")
        ENDED = "ended", _("The validity ended (graduation)")
        RENEWED = "renewed", _("Renewed")
        ARREARS_PAID = "arrears_paid", _("Arrears paid")
        REJOINED = "rejoined", _("Joined again")
        WITHDRAWN_BY_MEMBER = "withdrawn_by_member", _("Withdrawn at the member's request")
        WITHDRAWN_BY_STAFF = "withdrawn_by_staff", _("Withdrawn by the association")
        # By staff on the member page (services membership_suspend, membership_reinstate)
        SUSPENDED_BY_STAFF = "suspended_by_staff", _("Suspended by the association")
        REINSTATED = "reinstated", _("Reinstated by the association")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="history")
    from_status = models.CharField(max_length=20, choices=Membership.Status.choices)
    to_status = models.CharField(max_length=20, choices=Membership.Status.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    note = models.TextField(blank=True)  # the reason staff or the member gave
    # The day the dates say the move happened (the job's `--today`), and when it was written.
    effective_on = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["membership", "-effective_on"])]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_status} -> {self.to_status}"


class MembershipPeriod(models.Model):
    """A paid (or free) period of a membership, kept for ever: a gap between periods is time
    not paid for, and arrears are counted from the last period's end, never guessed from
    orders. `years` are the fee years the period pays, labelled from its start's year
    (CACEM's 交费年度)."""

    class Kind(models.TextChoices):
        JOIN = "join", _("Joining")
        RENEWAL = "renewal", _("Renewal")
        LEVEL_CHANGE = "level_change", _("Level change")
        IMPORTED = "imported", _("Recorded before periods were kept")
        # Staff extended the validity without an order (membership_renew_by_hand)
        COMPLIMENTARY = "complimentary", _("Free extension")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="periods")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)  # none: a type without an end
    years = models.PositiveSmallIntegerField(default=1)
    order = models.ForeignKey("billing.Order", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="periods")
    amount_fen = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["membership", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.starts_on}..{self.ends_on}"


class MembershipReminder(models.Model):
    """A reminder sent, once per period: the key is the membership, the reminder's kind and
    the end of validity it is about. The nightly job inserts these with ON CONFLICT DO NOTHING
    and messages only the rows it inserted, so a second run sends nothing again."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="reminders")
    # before_end:<days>, overdue, before_suspension, before_lapse
    kind = models.CharField(max_length=24)
    period_end = models.DateField()
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "kind", "period_end"],
                                               name="one_reminder_per_period")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.kind} {self.period_end}"
