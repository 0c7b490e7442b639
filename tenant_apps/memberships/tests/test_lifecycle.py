"""The lifecycle through the nightly command, with --today moving time: a CMES regular
member (valid to 31 December; suspended after 6 months unpaid, lapsed after 12) gets each
reminder once, moves overdue -> suspended -> lapsed, and is active again after renewing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.applications.tests.helpers import PNG, applicant
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.models import Membership, MembershipPeriod
from tenant_apps.memberships.services import membership_activate
from tenant_apps.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def run(day: str, slug: str = "alpha") -> str:
    out = StringIO()
    call_command("membership_lifecycle", today=day, association=slug, stdout=out)
    return out.getvalue()


def member(n: int, code: str = "regular", until: dt.date | None = None) -> Membership:
    person = applicant(n)
    membership = membership_activate(acting_user=None, user=person, rank=None, years=1,
                                     member_type=MemberType.objects.get(code=code),
                                     start=dt.date(2025, 3, 1))
    if until:
        Membership.objects.filter(pk=membership.pk).update(valid_until=until)
        MembershipPeriod.objects.filter(membership=membership).update(ends_on=until)
        membership.refresh_from_db()
    return membership


def sent(membership, event: str) -> list[str]:
    return sorted(OutboxMessage.objects.filter(recipient=membership.user, event=event)
                  .values_list("channel", flat=True))


def status(membership) -> str:
    return Membership.objects.get(pk=membership.pk).status


def test_a_cmes_member_through_a_year_unpaid(alpha):
    with schema_context("alpha"):
        m = member(501)
        assert m.valid_until == dt.date(2025, 12, 31)
        # 30 days before the end: the first reminder, by SMS, email and inbox, with the link
        run("2025-12-01")
        assert sent(m, "renewal_due") == ["email", "inbox", "sms"]
        sms = OutboxMessage.objects.get(recipient=m.user, event="renewal_due", channel="sms")
        assert "2025-12-31" in sms.body and m.number in sms.body
        email = OutboxMessage.objects.get(recipient=m.user, event="renewal_due",
                                          channel="email")
        assert "我要续费" in email.body
        run("2025-12-01")  # the same night again: nothing more
        run("2025-12-02")  # the next night: still inside the 30-day window, sent already
        assert len(sent(m, "renewal_due")) == 3
        run("2025-12-24")  # 7 days before: the second reminder
        assert len(sent(m, "renewal_due")) == 6
        run("2025-12-31")
        assert status(m) == "active" and len(sent(m, "renewal_due")) == 6

        run("2026-01-01")  # the day after the end, unpaid: overdue (grace)
        assert status(m) == "overdue"
        assert sent(m, "membership_overdue") == ["email", "inbox", "sms"]
        inbox = OutboxMessage.objects.get(recipient=m.user, event="membership_overdue",
                                          channel="inbox")
        assert "http://alpha.localhost" in inbox.body and "/member/renew/" in inbox.body
        assert "{" not in inbox.body and "50" in inbox.body  # every variable filled, ¥50
        run("2026-01-01")
        assert len(sent(m, "membership_overdue")) == 3

        run("2026-06-01")  # a month before the services stop (CMES: 30 days' notice)
        assert sent(m, "suspension_due") == ["email", "inbox", "sms"]
        assert "2026-07-01" in OutboxMessage.objects.get(
            recipient=m.user, event="suspension_due", channel="sms").body
        run("2026-06-30")
        assert status(m) == "overdue" and len(sent(m, "suspension_due")) == 3

        run("2026-07-31")  # validity ended 7 months ago: suspended
        assert status(m) == "suspended"
        assert sent(m, "membership_suspended") == ["email", "inbox", "sms"]

        run("2026-12-15")  # within the month before lapsing
        assert sent(m, "lapse_due") == ["email", "inbox", "sms"]
        run("2026-12-31")
        assert status(m) == "suspended"
        run("2027-01-01")  # 12 months unpaid: lapsed (CMES's own wording)
        assert status(m) == "lapsed"
        assert "自动放弃会员资格" in OutboxMessage.objects.get(
            recipient=m.user, event="membership_lapsed", channel="sms").body
        before = OutboxMessage.objects.count()
        run("2027-01-01")
        run("2027-06-01")
        assert OutboxMessage.objects.count() == before  # nothing is ever sent twice

        history = list(m.history.order_by("effective_on").values_list(
            "from_status", "to_status", "reason", "effective_on"))
        assert history == [
            ("active", "overdue", "unpaid", dt.date(2026, 1, 1)),
            ("overdue", "suspended", "unpaid_suspended", dt.date(2026, 7, 31)),
            ("suspended", "lapsed", "unpaid_lapsed", dt.date(2027, 1, 1)),
        ]


def test_a_missed_month_of_nights_is_caught_up_in_one_run(alpha):
    with schema_context("alpha"):
        m = member(502)
        run("2027-02-01")  # never run since the end 13 months ago
        assert status(m) == "lapsed"
        assert list(m.history.values_list("from_status", "to_status")) == [
            ("active", "lapsed")]
        assert not sent(m, "membership_overdue")  # the message of where it is, only
        assert len(sent(m, "membership_lapsed")) == 3


def test_a_student_ends_at_graduation_without_grace(alpha):
    with schema_context("alpha"):
        m = member(503, code="student", until=dt.date(2026, 7, 1))
        run("2026-06-15")
        assert status(m) == "active"
        assert not OutboxMessage.objects.filter(recipient=m.user,
                                                event="renewal_due").exists()
        run("2026-07-02")
        assert status(m) == "lapsed"
        assert m.history.get().reason == "ended"


def _pay(order):
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.billing.services import voucher_decide, voucher_upload
    from tenant_apps.billing.tests.online import connect_bank

    connect_bank()
    voucher = voucher_upload(order=order, actor=order.payer,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    finance = user_create(acting_user=None, name="财务", username="lc-finance",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    voucher_decide(voucher=voucher, actor=finance, accept=True)


def test_a_suspended_member_renews_pays_the_arrears_and_is_active_again(alpha):
    from tenant_apps.billing.services import order_for_renewal
    from tenant_apps.memberships.dates import add_months

    today = timezone.localdate()
    ended = add_months(today, -7)  # 7 months unpaid: suspended (CMES: after 6)
    with schema_context("alpha"):
        m = member(504, until=ended)
        run(today.isoformat())
        assert status(m) == "suspended"
        order = order_for_renewal(membership=m, actor=m.user, years=1)
        assert order.amount_fen == 5000  # one fee year covers the time since the end
        _pay(order)
        m.refresh_from_db()
        assert m.status == "active"
        assert m.valid_until == dt.date(ended.year, 12, 31) and m.valid_until >= today
        periods = list(m.periods.values_list("starts_on", "ends_on", "kind"))
        # the new period starts the day after the old one: no gap, nothing skipped
        assert periods[-1] == (ended + dt.timedelta(days=1), dt.date(ended.year, 12, 31),
                               "renewal")
        last = m.history.order_by("-id").first()
        assert (last.from_status, last.to_status, last.reason) == (
            "suspended", "active", "arrears_paid")
        run(today.isoformat())
        assert status(m) == "active"  # renewed: the job leaves it


def test_a_lapsed_cmes_member_applies_anew_and_gets_a_new_number(alpha):
    from huiji.errors import AppError
    from tenant_apps.applications.services import application_start
    from tenant_apps.billing.services import order_for_renewal

    with schema_context("alpha"):
        m = member(505)
        run("2027-01-01")
        assert status(m) == "lapsed"
        with pytest.raises(AppError) as info:
            order_for_renewal(membership=m, actor=m.user, years=1)
        assert info.value.code == "renewal_closed"
        application = application_start(applicant=m.user,
                                         member_type=MemberType.objects.get(code="student"))
        assert application.pk  # a new application is the way back
        old = m.number
        again = membership_activate(acting_user=None, user=m.user, rank=None, years=1,
                                    member_type=MemberType.objects.get(code="regular"))
        assert again.pk == m.pk and again.number != old and again.status == "active"
        assert again.history.order_by("-id").first().note == old  # the old number is kept


def test_the_command_refuses_a_bad_day_and_an_unknown_association(alpha):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("membership_lifecycle", today="2026-13-01", association="alpha")
    with pytest.raises(CommandError):
        call_command("membership_lifecycle", association="nowhere")


def test_the_job_is_set_based(alpha, django_assert_max_num_queries):
    """The statements do not grow with the members moved: 30 members lapse in as many
    queries as 1 does."""
    from tenant_apps.memberships.lifecycle import lifecycle_run

    with schema_context("alpha"):
        member(510)
        with django_assert_max_num_queries(200) as one:
            lifecycle_run(today=dt.date(2027, 2, 1))
        for n in range(511, 541):
            member(n)
        with django_assert_max_num_queries(200) as many:
            lifecycle_run(today=dt.date(2027, 2, 1))
        assert len(many.captured_queries) == len(one.captured_queries)
        assert Membership.objects.filter(status="lapsed").count() >= 31
