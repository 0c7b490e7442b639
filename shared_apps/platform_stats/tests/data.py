"""A hand-built association for the summary tests: members, applications, orders, outbox
messages, uploads, staff activity and logged errors around a fixed NOW, each figure with an
answer written out in the tests (test_summary.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from tenant_apps.accounts.models import Role, User

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# In the future of any session data, so the harness's own rows are all older.
NOW = dt.datetime(2027, 6, 15, 12, 0, tzinfo=SHANGHAI)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def _person(tag: str) -> User:
    return User.objects.create(username=f"glance-{tag}", name=f"概览{tag}", roles=[Role.MEMBER])


def build(*, extra_failed_payments: int = 0) -> None:
    from huiji.audit.models import AuditEntry
    from tenant_apps.applications.models import Application
    from tenant_apps.billing.models import Order
    from tenant_apps.configuration.models import ConfigurationRevision, MemberType
    from tenant_apps.files.models import PrivateFile
    from tenant_apps.memberships.models import Membership
    from tenant_apps.notifications.models import OutboxMessage

    regular = MemberType.objects.get(code="regular")
    # Members: three active (two activated in the last 30 days), one lapsed.
    for n, (status, activated) in enumerate([("active", NOW - 25 * D), ("active", NOW - 200 * D),
                                             ("active", NOW - 14 * D), ("lapsed", NOW - 20 * D)]):
        Membership.objects.create(user=_person(f"m{n}"), member_type=regular,
                                  number=f"GL{n:04d}", status=status, activated_at=activated,
                                  valid_from=activated.date(), valid_until=dt.date(2027, 12, 31))
    # Applications: three in flight, two of them untouched for 14+ days; a draft and a
    # completed one are not in flight.
    revision = ConfigurationRevision.objects.order_by("-id").first()
    for n, (status, touched) in enumerate([("in_review", NOW - 2 * D), ("returned", NOW - 20 * D),
                                           ("awaiting_payment", NOW - 15 * D),
                                           ("draft", NOW - 30 * D), ("completed", NOW - 40 * D)]):
        app = Application.objects.create(applicant=_person(f"a{n}"), member_type=regular,
                                         revision=revision, status=status)
        Application.objects.filter(pk=app.pk).update(updated_at=touched)
    # Orders: (amount, status, created, confirmed)
    payer = _person("payer")
    orders = [
        (30000, "confirmed", NOW - D, dt.datetime(2027, 6, 15, 9, tzinfo=SHANGHAI)),  # today
        (50000, "confirmed", NOW - 14 * D, dt.datetime(2027, 6, 2, 9, tzinfo=SHANGHAI)),
        (20000, "confirmed", dt.datetime(2027, 3, 10, tzinfo=SHANGHAI),
         dt.datetime(2027, 3, 15, 9, tzinfo=SHANGHAI)),  # this year, not this month
        (10000, "confirmed", dt.datetime(2026, 12, 15, tzinfo=SHANGHAI),
         dt.datetime(2026, 12, 20, 9, tzinfo=SHANGHAI)),  # last year
        (30000, "expired", NOW - 3 * D, None),
        (30000, "cancelled", NOW - 10 * D, None),
        (30000, "expired", NOW - 40 * D, None),  # failed, but before the last 30 days
        (30000, "pending", NOW - D, None),  # not settled
        (30000, "paid", NOW - 2 * D, None),  # paid, not yet confirmed: no revenue
    ] + [(30000, "expired", NOW - 4 * D, None)] * extra_failed_payments
    for n, (fen, status, created, confirmed) in enumerate(orders):
        order = Order.objects.create(
            number=f"GL{n:06d}", transfer_reference=f"GLT{n:04d}", kind="join", payer=payer,
            member_type=regular, years=1, unit_amount_fen=fen, amount_fen=fen, status=status,
            expires_at=created + 7 * D, confirmed_at=confirmed)
        Order.objects.filter(pk=order.pk).update(created_at=created)
    # Outbox: two waiting (one for two hours: stuck), two failed in the last 7 days (one
    # today), one failed long ago, one sent.
    for status, created in [("pending", NOW - dt.timedelta(minutes=10)), ("pending", NOW - 2 * H),
                            ("failed", NOW - H), ("failed", NOW - 3 * D),
                            ("failed", NOW - 10 * D), ("sent", NOW - H)]:
        message = OutboxMessage.objects.create(event="account_registered", channel="email",
                                               address="x@glance.test", body="…",
                                               status=status, next_attempt_at=created)
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=created)
    owner = _person("uploader")
    for n, size in enumerate([1000, 2345]):
        PrivateFile.objects.create(owner=owner, file=f"glance/{n}.pdf",
                                   original_name=f"{n}.pdf", content_type="application/pdf",
                                   size=size)
    # Staff activity: the HQ administrator logged in 3 days ago, a reviewer acted yesterday.
    User.objects.filter(roles__contains=[Role.HQ_ADMIN]).update(last_login=NOW - 3 * D)
    reviewer = User.objects.filter(roles__contains=[Role.REVIEWER]).first()
    entry = AuditEntry.objects.create(actor=reviewer, actor_label="reviewer", action="glance")
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=NOW - D)
