"""What a membership's status allows, and the terms of its renewal (docs/lifecycle.md).
Reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from tenant_apps.configuration.models import AfterLapse
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.validity import validity_end

S = Membership.Status


@dataclass(frozen=True)
class Access:
    """What a status gives. A suspended member keeps the number and the way back (renewal),
    not the services: the certificate reads 已暂停, member-only pages are closed."""

    services: bool  # member-only pages (level change, referral code, member directory...)
    certificate: str  # the certificate's state as shown: valid, suspended, lapsed, withdrawn


ACCESS: dict[str, Access] = {
    S.ACTIVE: Access(services=True, certificate="valid"),
    S.OVERDUE: Access(services=True, certificate="valid"),  # grace: nothing stops yet
    S.SUSPENDED: Access(services=False, certificate="suspended"),
    S.LAPSED: Access(services=False, certificate="lapsed"),
    S.WITHDRAWN: Access(services=False, certificate="withdrawn"),
}

CERTIFICATE_LABELS = {"valid": pgettext_lazy("certificate", "Valid"),
                      "suspended": pgettext_lazy("certificate", "Suspended"),
                      "lapsed": pgettext_lazy("certificate", "Lapsed"),
                      "withdrawn": pgettext_lazy("certificate", "Withdrawn")}


def access(membership: Membership | None) -> Access:
    return ACCESS[membership.status] if membership else Access(False, "withdrawn")


def status_by_dates(membership: Membership, today: dt.date | None = None) -> str:
    """The status a membership's dates give it on `today`, by its type's rules: what the
    nightly job (lifecycle.py) moves it to, read for one member (reinstating a suspended
    member by hand returns it here). Active while valid; the day after the end `overdue`;
    more than `suspend_after_months` months unpaid `suspended`; more than
    `lapse_after_months` (or at once, for a type that ends at its validity) `lapsed`."""
    from tenant_apps.memberships.dates import past_months_on

    today = today or timezone.localdate()
    end, mtype = membership.valid_until, membership.member_type
    if end is None or end >= today:
        return S.ACTIVE
    if mtype.lapse_at_end:
        return S.LAPSED
    if mtype.lapse_after_months and today >= past_months_on(end, mtype.lapse_after_months):
        return S.LAPSED
    if mtype.suspend_after_months and today >= past_months_on(end,
                                                              mtype.suspend_after_months):
        return S.SUSPENDED
    return S.OVERDUE


def held_by_staff(membership: Membership) -> bool:
    """Suspended by the association (its last move is staff's suspension): only staff
    reinstate it; paying extends the validity but does not lift it
    (memberships.services.membership_extend). One query, asked only of a suspended one."""
    from tenant_apps.memberships.models import MembershipEvent

    if membership.status != S.SUSPENDED:
        return False
    return MembershipEvent.objects.filter(membership_id=membership.pk).order_by(
        "-id").values_list("reason", flat=True).first() == \
        MembershipEvent.Reason.SUSPENDED_BY_STAFF


@dataclass(frozen=True)
class RenewalTerms:
    """Whether the member can renew now, and on what terms.

    `open` with `start` (the new period's first day: the day after the last one) and
    `owed_years` (fee years already past or running that are unpaid: arrears, 补缴);
    `options` are the year counts offered (at least the arrears). Closed: `reason` says why
    and `reapply` whether a new application is the way back."""

    open: bool
    start: dt.date | None = None
    owed_years: int = 0
    options: tuple[int, ...] = ()
    reason: str = ""
    reapply: bool = False
    opens_on: dt.date | None = None


def renewal_terms(membership: Membership, today: dt.date | None = None) -> RenewalTerms:
    today = today or timezone.localdate()
    mtype = membership.member_type
    if membership.status == S.WITHDRAWN:
        return RenewalTerms(False, reason=str(_("You have left the association; apply anew "
                                                "to join again.")), reapply=True)
    if mtype.lapse_at_end:
        return RenewalTerms(False, reason=str(_("This membership ends at its validity and is "
                                                "not renewed.")))
    if membership.status == S.LAPSED and mtype.after_lapse == AfterLapse.REAPPLY:
        return RenewalTerms(False, reason=str(_("Your membership has lapsed; apply anew to "
                                                "join again.")), reapply=True)
    end = membership.valid_until
    if end is None:
        return RenewalTerms(True, start=today, options=tuple(mtype.year_options))
    if mtype.renewal_opens_days and membership.status == S.ACTIVE:
        opens_on = end - dt.timedelta(days=mtype.renewal_opens_days)
        if today < opens_on:
            return RenewalTerms(False, opens_on=opens_on, reason=str(_(
                "Renewal opens on %(date)s.") % {"date": opens_on.isoformat()}))
    start = end + dt.timedelta(days=1)
    owed = owed_years(membership, today)
    options = tuple(sorted({max(y, owed) for y in mtype.year_options})) if owed \
        else tuple(mtype.year_options)
    return RenewalTerms(True, start=start, owed_years=owed, options=options)


def hand_renewal_terms(membership: Membership, today: dt.date | None = None) -> RenewalTerms:
    """The terms on which staff renew a member by hand (memberships.services.
    membership_renew_by_hand): the member's own (`renewal_terms`: from the day after the
    last period, at least the arrears), also before the member's renewal window opens; never
    a membership without an end, one that ends at its validity or one whose way back is a new
    application. Closed terms give the reason in staff's words."""
    from tenant_apps.configuration.models import ValidityRule

    mtype = membership.member_type
    if mtype.lapse_at_end or mtype.validity_rule == ValidityRule.UNTIL_FIELD:
        return RenewalTerms(False, reason=str(_(
            "This member type ends at a date of its own (such as graduation) and is not "
            "renewed.")))
    if membership.valid_until is None:
        return RenewalTerms(False, reason=str(_("This membership has no end of validity to "
                                                "extend.")))
    if membership.status == S.WITHDRAWN:
        return RenewalTerms(False, reapply=True, reason=str(_(
            "This member has withdrawn; to be a member again they apply anew.")))
    terms = renewal_terms(membership, today)
    if terms.reapply:
        return RenewalTerms(False, reapply=True, reason=str(_(
            "This membership has lapsed; to be a member again the person applies anew.")))
    if not terms.open:  # the member's renewal window has not opened yet: staff may
        return RenewalTerms(True, start=membership.valid_until + dt.timedelta(days=1),
                            options=tuple(mtype.year_options) or (1,))
    return RenewalTerms(True, start=terms.start, owed_years=terms.owed_years,
                        options=terms.options or (max(terms.owed_years, 1),))


def owed_years(membership: Membership, today: dt.date | None = None) -> int:
    """The fee years from the day after the last paid period up to the one running today:
    what a renewal must pay at least to be in force today (0 while in force)."""
    today = today or timezone.localdate()
    end = membership.valid_until
    if end is None or end >= today:
        return 0
    start, years = end + dt.timedelta(days=1), 1
    while validity_end(membership.member_type, start=start, years=years) < today:
        years += 1
    return years


@dataclass(frozen=True)
class NextAction:
    label: str
    url_name: str  # a URL name, or "" for none


def next_action(membership: Membership, terms: RenewalTerms) -> NextAction | None:
    """The member centre's next step: 我要续费 in force or in grace, 补缴欠费 with arrears,
    申请入会 to come back by application."""
    if terms.open and terms.owed_years and membership.status != S.ACTIVE:
        return NextAction(str(_("Pay the arrears")), "billing:renew")
    if terms.open:
        return NextAction(str(_("I want to renew")), "billing:renew")
    if terms.reapply:
        return NextAction(str(_("Apply for membership")), "applications:start")
    return None


def payment_status(membership: Membership, terms: RenewalTerms, *, fee: bool = True) -> str:
    """缴费状态 on the member card (CAQ's "缴费状态: 正常缴费"), from the same terms as the next
    action: 正常缴费 while the paid period runs, 欠费N年，待补缴 with arrears to pay (in grace,
    suspended, or lapsed where the type takes arrears), 无需缴费 for a type without a fee, and
    "" (nothing to pay: withdrawn, or lapsed where the way back is a new application)."""
    if membership.status == S.WITHDRAWN:
        return ""
    if not fee:
        return str(_("No fee due"))
    if terms.open and terms.owed_years:
        return ngettext("%(years)d year in arrears, to be paid",
                        "%(years)d years in arrears, to be paid",
                        terms.owed_years) % {"years": terms.owed_years}
    if membership.status == S.LAPSED:
        return ""
    if membership.status in (S.OVERDUE, S.SUSPENDED):  # arrears the terms cannot count
        return str(_("In arrears"))
    return str(_("Paid up"))


def status_note(membership: Membership, terms: RenewalTerms) -> str:
    """One sentence under the member card that says why the status is what it is and what
    brings the membership back (the card's badge alone says 已暂停, not since when or how
    to restore it); "" in force."""
    from tenant_apps.memberships.dates import past_months_on

    mtype, end = membership.member_type, membership.valid_until
    ended = end.isoformat() if end else ""
    if held_by_staff(membership):
        return str(_("The association has suspended your membership: your member services "
                     "are stopped until it reinstates you. Contact the association if you "
                     "have questions."))
    if membership.status == S.OVERDUE and end:
        if mtype.suspend_after_months:
            return str(_("Your membership ended on %(end)s and is unpaid. Pay before "
                         "%(date)s, or your member services will be suspended.")
                       % {"end": ended,
                          "date": past_months_on(end, mtype.suspend_after_months).isoformat()})
        return str(_("Your membership ended on %(end)s and is unpaid. Renew to keep it in "
                     "force.") % {"end": ended})
    if membership.status == S.SUSPENDED and end:
        note = str(_("Your membership ended on %(end)s and is unpaid: your member services "
                     "are suspended until you pay the arrears.") % {"end": ended})
        if mtype.lapse_after_months:
            note += str(_(" Unpaid on %(date)s, the membership lapses.") % {
                "date": past_months_on(end, mtype.lapse_after_months).isoformat()})
        return note
    if membership.status in (S.LAPSED, S.WITHDRAWN):
        return terms.reason or str(_("Your membership has lapsed: pay the arrears to "
                                     "restore it."))
    return ""
