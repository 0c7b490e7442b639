"""Staff's moves of a membership by hand, as services: suspend (with a reason), reinstate (to
the status the dates give), renew by hand (money received outside the platform through the
one money-confirming function, or a free extension with a reason). Each writes its history
row, its audit row and the member's message; refusals change nothing. Dates and amounts are
written out by hand (CMES senior: 100 yuan a year, valid to 31 December, suspended after 6
months unpaid, lapsed after 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.errors import AppError
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing.models import Order, OrderStatus
from tenant_apps.billing.services import OutsidePayment, order_for_renewal
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.models import Membership, MembershipEvent, MembershipPeriod
from tenant_apps.memberships.rules import status_by_dates
from tenant_apps.memberships.services import (
    membership_activate,
    membership_extend,
    membership_reinstate,
    membership_renew_by_hand,
    membership_suspend,
)
from tenant_apps.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def senior(n: int, until: dt.date, status: str = "active") -> Membership:
    membership = membership_activate(acting_user=None, user=applicant(n), rank=None, years=1,
                                     member_type=MemberType.objects.get(code="senior"),
                                     start=dt.date(2025, 3, 1))
    Membership.objects.filter(pk=membership.pk).update(valid_until=until, status=status)
    MembershipPeriod.objects.filter(membership=membership).update(ends_on=until)
    membership.refresh_from_db()
    return membership


def fresh(membership) -> Membership:
    return Membership.objects.get(pk=membership.pk)


def bodies(membership, event: str) -> dict[str, str]:
    return dict(OutboxMessage.objects.filter(recipient=membership.user, event=event)
                .values_list("channel", "body"))


def test_hq_suspends_with_a_reason_and_the_member_is_told(alpha):
    with schema_context("alpha"):
        m = senior(601, dt.date(2030, 12, 31))
        admin = alpha.user("hq_admin")
        membership_suspend(acting_user=admin, membership=m, reason="违反学会章程第十条")
        assert fresh(m).status == "suspended"
        event = MembershipEvent.objects.get(membership=m)
        assert (event.from_status, event.to_status, event.reason, event.note, event.actor) == (
            "active", "suspended", "suspended_by_staff", "违反学会章程第十条", admin)
        audit = AuditEntry.objects.get(action="membership.suspended")
        assert (audit.actor, audit.reason, audit.data["from"]) == (
            admin, "违反学会章程第十条", "active")
        sent = bodies(m, "membership_suspended_by_staff")
        assert set(sent) == {"sms", "email", "inbox"}
        assert "违反学会章程第十条" in sent["sms"] and m.number in sent["sms"]
        assert "已暂停" in sent["inbox"] and "{" not in sent["sms"]


def test_suspension_refusals_change_nothing(alpha):
    with schema_context("alpha"):
        m = senior(602, dt.date(2030, 12, 31))
        lapsed = senior(603, dt.date(2020, 12, 31), status="lapsed")
        for who, reason, code in (
                (alpha.user("hq_admin"), "   ", "reason_required"),
                (alpha.user("hq_admin"), "x" * 2001, "bad_reason"),
                (alpha.user("reviewer"), "违规", "forbidden"),
                (alpha.user("finance"), "违规", "forbidden"),
                (alpha.user("branch_admin"), "违规", "forbidden")):
            with pytest.raises(AppError) as info:
                membership_suspend(acting_user=who, membership=m, reason=reason)
            assert info.value.code == code
        with pytest.raises(AppError) as info:
            membership_suspend(acting_user=alpha.user("secretariat"), membership=lapsed,
                               reason="违规")
        assert (info.value.code, info.value.status) == ("not_suspendable", 409)
        assert fresh(m).status == "active" and fresh(lapsed).status == "lapsed"
        assert not MembershipEvent.objects.filter(membership__in=[m, lapsed]).exists()
        assert not OutboxMessage.objects.filter(event="membership_suspended_by_staff").exists()


def test_reinstating_goes_back_to_what_the_dates_say(alpha):
    today = timezone.localdate()
    with schema_context("alpha"):
        admin = alpha.user("hq_admin")
        valid = senior(604, dt.date(2030, 12, 31))
        ended = senior(605, today - dt.timedelta(days=10))
        ended.status = "overdue"
        Membership.objects.filter(pk=ended.pk).update(status="overdue")
        for m in (valid, ended):
            membership_suspend(acting_user=admin, membership=m, reason="待核查")
        membership_reinstate(acting_user=admin, membership=valid, reason="核查无误")
        membership_reinstate(acting_user=admin, membership=ended)
        assert fresh(valid).status == "active"
        assert fresh(ended).status == "overdue"  # ended 10 days ago, unpaid: grace
        last = MembershipEvent.objects.filter(membership=valid).order_by("-id").first()
        assert (last.from_status, last.to_status, last.reason, last.note) == (
            "suspended", "active", "reinstated", "核查无误")
        assert AuditEntry.objects.filter(action="membership.reinstated").count() == 2
        assert "2030-12-31" in bodies(valid, "membership_reinstated")["sms"]


def test_a_member_unpaid_past_the_suspension_is_not_reinstated_by_hand(alpha):
    today = timezone.localdate()
    with schema_context("alpha"):
        # ended 8 months ago: past the 6 months of grace, not yet the 12 to lapse
        m = senior(606, today - dt.timedelta(days=245), status="suspended")
        assert status_by_dates(fresh(m)) == "suspended"
        with pytest.raises(AppError) as info:
            membership_reinstate(acting_user=alpha.user("hq_admin"), membership=m)
        assert (info.value.code, info.value.status) == ("dates_say_otherwise", 409)
        active = senior(607, dt.date(2030, 12, 31))
        with pytest.raises(AppError) as info:
            membership_reinstate(acting_user=alpha.user("hq_admin"), membership=active)
        assert info.value.code == "not_suspended"
        assert fresh(m).status == "suspended" and fresh(active).status == "active"


def test_status_by_dates_written_out(alpha):
    with schema_context("alpha"):
        m = senior(608, dt.date(2025, 12, 31))
        for today, expected in ((dt.date(2025, 12, 31), "active"),
                                (dt.date(2026, 1, 1), "overdue"),
                                (dt.date(2026, 6, 30), "overdue"),
                                (dt.date(2026, 7, 1), "suspended"),
                                (dt.date(2026, 12, 31), "suspended"),
                                (dt.date(2027, 1, 1), "lapsed")):
            assert status_by_dates(m, today) == expected, today


def test_paying_does_not_lift_a_suspension_by_staff(alpha):
    with schema_context("alpha"):
        m = senior(609, dt.date(2030, 12, 31))
        membership_suspend(acting_user=alpha.user("hq_admin"), membership=m, reason="待核查")
        membership_extend(acting_user=m.user, membership=m, years=1)
        m = fresh(m)
        assert (m.status, m.valid_until) == ("suspended", dt.date(2031, 12, 31))


def test_renewal_by_hand_with_cash_is_an_order_confirmed_by_order_settle(alpha):
    with schema_context("alpha"):
        m = senior(610, dt.date(2030, 12, 31))
        unpaid = order_for_renewal(membership=m, actor=m.user, years=1)
        admin = alpha.user("hq_admin")
        membership_renew_by_hand(
            acting_user=admin, membership=m, years=2, reason="年会现场缴费",
            payment=OutsidePayment(method="cash", amount_fen=20000, note="收据 No.0012"))
        m = fresh(m)
        assert (m.status, m.valid_until) == ("active", dt.date(2032, 12, 31))
        order = Order.objects.get(membership=m, status=OrderStatus.CONFIRMED)
        assert (order.kind, order.years, order.amount_fen, order.method) == (
            "renewal", 2, 20000, "cash")
        assert Order.objects.get(pk=unpaid.pk).status == "cancelled"  # it would pay again
        period = m.periods.order_by("-id").first()
        assert (period.kind, period.starts_on, period.ends_on, period.order, period.amount_fen
                ) == ("renewal", dt.date(2031, 1, 1), dt.date(2032, 12, 31), order, 20000)
        confirmed = AuditEntry.objects.get(action="order.confirmed", target_id=str(order.pk))
        assert (confirmed.data["method"], confirmed.data["via"], confirmed.data["note"]) == (
            "cash", "outside", "收据 No.0012")
        assert bodies(m, "payment_confirmed")["sms"] == \
            "您交纳的会费200元已确认，感谢您对Alpha Society的支持。"


def test_renewal_by_hand_refusals_change_nothing(alpha):
    with schema_context("alpha"):
        m = senior(611, dt.date(2030, 12, 31))
        admin = alpha.user("hq_admin")
        cash = OutsidePayment(method="cash", amount_fen=15000)
        for who, years, payment, reason, code in (
                (admin, 1, cash, "", "wrong_amount"),          # 1 year is 100 yuan
                (admin, 7, OutsidePayment("cash", 70000), "", "bad_years"),  # not offered
                (admin, 1, OutsidePayment("wechat", 10000), "", "bad_method"),
                (admin, 1, None, "  ", "reason_required"),     # free needs a reason
                (alpha.user("finance"), 1, None, "赠送", "forbidden"),
                (alpha.user("secretariat"), 1, None, "赠送", "forbidden")):
            with pytest.raises(AppError) as info:
                membership_renew_by_hand(acting_user=who, membership=m, years=years,
                                         payment=payment, reason=reason)
            assert info.value.code == code, code
        withdrawn = senior(612, dt.date(2030, 12, 31), status="withdrawn")
        with pytest.raises(AppError) as info:
            membership_renew_by_hand(acting_user=admin, membership=withdrawn, years=1,
                                     reason="赠送")
        assert (info.value.code, info.value.status) == ("renewal_closed", 409)
        assert fresh(m).valid_until == dt.date(2030, 12, 31)
        assert not Order.objects.filter(membership=m).exists()
        assert m.periods.count() == 1


def test_a_transfer_being_checked_holds_the_renewal_by_hand_back(alpha):
    with schema_context("alpha"):
        m = senior(613, dt.date(2030, 12, 31))
        order = order_for_renewal(membership=m, actor=m.user, years=1)
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_CONFIRMATION)
        with pytest.raises(AppError) as info:
            membership_renew_by_hand(acting_user=alpha.user("hq_admin"), membership=m,
                                     years=1, payment=OutsidePayment("cash", 10000))
        assert (info.value.code, info.value.status) == ("payment_in_progress", 409)
        assert fresh(m).valid_until == dt.date(2030, 12, 31)


def test_a_free_extension_has_no_order_and_tells_the_reason(alpha):
    today = timezone.localdate()
    with schema_context("alpha"):
        # unpaid since last year's end: the extension counts from 1 January, so one year
        # runs to the end of this one
        end = dt.date(today.year - 1, 12, 31)
        m = senior(614, end, status="overdue")
        membership_renew_by_hand(acting_user=alpha.user("hq_admin"), membership=m, years=1,
                                 reason="理事会决议免收一年会费")
        m = fresh(m)
        assert (m.status, m.valid_until) == ("active", dt.date(today.year, 12, 31))
        period = m.periods.order_by("-id").first()
        assert (period.kind, period.order, period.amount_fen) == ("complimentary", None, 0)
        assert not Order.objects.filter(membership=m).exists()
        audit = AuditEntry.objects.get(action="membership.renewed", target_id=str(m.pk))
        assert (audit.reason, audit.data["paid"]) == ("理事会决议免收一年会费", False)
        sms = bodies(m, "membership_extended")["sms"]
        assert "理事会决议免收一年会费" in sms and f"{today.year}-12-31" in sms
