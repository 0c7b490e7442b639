"""One association's figures, computed inside its own schema (the caller has switched to it).
A handful of aggregate queries over that schema only; never a query across schemas.

What each figure counts (docs/operations.md, "Operator console"):
- members active: memberships with status active; new: activated in the last 30 days;
- applications in flight: submitted and not finished (in review, returned for changes,
  awaiting payment, payment being confirmed); stalled: in flight with no change for
  STALLED_DAYS days (the application row untouched: no review step, payment or edit);
- revenue: confirmed orders by the day of confirmation (Asia/Shanghai), this month and year;
- payments: orders settled in the last 30 days (by creation): paid, confirmed or refunded
  succeeded; expired or cancelled failed;
- outbox: messages waiting, waiting for over an hour (stuck), failed in the last 7 days;
- storage: private uploads (files app, their recorded sizes) and the schema's tables with
  their indexes and TOAST (pg_total_relation_size);
- last staff activity: the latest login of a staff account or audit entry by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

STALLED_DAYS = 14
NEW_DAYS = 30
PAYMENT_DAYS = 30
OUTBOX_FAILED_DAYS = 7
OUTBOX_STUCK_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Figures:
    members_active: int
    members_new_30d: int
    applications_open: int
    applications_stalled: int
    revenue_month_fen: int
    revenue_year_fen: int
    revenue_today_fen: int
    payments_ok_30d: int
    payments_failed_30d: int
    outbox_pending: int
    outbox_stuck: int
    outbox_failed_7d: int
    outbox_failed_today: int
    storage_files_bytes: int
    storage_db_bytes: int
    last_staff_activity_at: dt.datetime | None


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def compute(now: dt.datetime) -> Figures:
    from huiji.audit.models import AuditEntry
    from tenant_apps.accounts.capabilities import STAFF_ROLES
    from tenant_apps.accounts.models import User
    from tenant_apps.applications.models import Application
    from tenant_apps.applications.models import Status as AppStatus
    from tenant_apps.billing.models import Order, OrderStatus
    from tenant_apps.files.models import PrivateFile
    from tenant_apps.memberships.models import Membership
    from tenant_apps.notifications.models import OutboxMessage

    today = timezone.localdate(now)
    day_start = _local_midnight(today)
    month_start = _local_midnight(today.replace(day=1))
    year_start = _local_midnight(today.replace(month=1, day=1))

    members = Membership.objects.aggregate(
        active=Count("id", filter=Q(status=Membership.Status.ACTIVE)),
        new=Count("id", filter=Q(status=Membership.Status.ACTIVE,
                                 activated_at__gte=now - dt.timedelta(days=NEW_DAYS))))
    in_flight = [AppStatus.IN_REVIEW, AppStatus.RETURNED, AppStatus.AWAITING_PAYMENT,
                 AppStatus.PAYMENT_REVIEW]
    applications = Application.objects.filter(status__in=in_flight).aggregate(
        open=Count("id"),
        stalled=Count("id", filter=Q(updated_at__lt=now - dt.timedelta(days=STALLED_DAYS))))
    revenue = Order.objects.filter(status=OrderStatus.CONFIRMED,
                                   confirmed_at__gte=year_start).aggregate(
        year=Sum("amount_fen"),
        month=Sum("amount_fen", filter=Q(confirmed_at__gte=month_start)),
        today=Sum("amount_fen", filter=Q(confirmed_at__gte=day_start)))
    ok = [OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.REFUNDED]
    failed = [OrderStatus.EXPIRED, OrderStatus.CANCELLED]
    payments = Order.objects.filter(created_at__gte=now - dt.timedelta(days=PAYMENT_DAYS)) \
        .aggregate(ok=Count("id", filter=Q(status__in=ok)),
                   failed=Count("id", filter=Q(status__in=failed)))
    Out = OutboxMessage.Status
    outbox = OutboxMessage.objects.filter(
        Q(status=Out.PENDING)
        | Q(status=Out.FAILED, created_at__gte=now - dt.timedelta(days=OUTBOX_FAILED_DAYS))
    ).aggregate(
        pending=Count("id", filter=Q(status=Out.PENDING)),
        stuck=Count("id", filter=Q(status=Out.PENDING,
                                   created_at__lt=now - OUTBOX_STUCK_AFTER)),
        failed=Count("id", filter=Q(status=Out.FAILED)),
        failed_today=Count("id", filter=Q(status=Out.FAILED, created_at__gte=day_start)))
    files = PrivateFile.objects.aggregate(n=Sum("size"))["n"] or 0
    staff = list(STAFF_ROLES)
    last_login = User.objects.filter(roles__overlap=staff).aggregate(at=Max("last_login"))["at"]
    last_audit = AuditEntry.objects.filter(actor__roles__overlap=staff) \
        .aggregate(at=Max("created_at"))["at"]
    activity = max((t for t in (last_login, last_audit) if t is not None), default=None)
    return Figures(
        members_active=members["active"], members_new_30d=members["new"],
        applications_open=applications["open"], applications_stalled=applications["stalled"],
        revenue_month_fen=revenue["month"] or 0, revenue_year_fen=revenue["year"] or 0,
        revenue_today_fen=revenue["today"] or 0,
        payments_ok_30d=payments["ok"], payments_failed_30d=payments["failed"],
        outbox_pending=outbox["pending"], outbox_stuck=outbox["stuck"],
        outbox_failed_7d=outbox["failed"], outbox_failed_today=outbox["failed_today"],
        storage_files_bytes=files, storage_db_bytes=schema_bytes(),
        last_staff_activity_at=activity)


def schema_bytes() -> int:
    """The current schema's tables with their indexes and TOAST. Reads the catalogue of this
    one schema only (a lock per table of it, released at the end of the statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")
        return int(cursor.fetchone()[0])
