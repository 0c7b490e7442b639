"""The nightly lifecycle job: every membership whose dates say so moves on, each reminder goes
out once per period (docs/lifecycle.md).

Set-based: per member type, one UPDATE ... WHERE per move and one INSERT ... ON CONFLICT per
reminder, each writing the member's history (or the reminder's record) in the same statement;
only the rows a statement changed get a message. Run twice on the same day, the second run
finds nothing to move and every reminder already recorded, so it changes and sends nothing.

Per member type (configuration/models.py MemberType):
- the day after `valid_until`, unpaid: active -> overdue (grace period);
- more than `suspend_after_months` months after it: -> suspended (services stopped);
- more than `lapse_after_months` months after it: -> lapsed;
- a type that ends at its validity (`lapse_at_end`, students at graduation): -> lapsed the
  day after, no grace.
A night the job missed is caught up: the statuses follow the dates, not the nights.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.dates import months_cutoff, past_months_on
from tenant_apps.memberships.models import Membership, MembershipEvent

S = Membership.Status
R = MembershipEvent.Reason
# The tables are Membership's, MembershipEvent's and MembershipReminder's (a test checks).

_MOVE = """
WITH old AS (
    SELECT id, status FROM memberships_membership
    WHERE member_type_id = %(type)s AND status = ANY(%(from)s) AND valid_until < %(before)s
    FOR UPDATE
), moved AS (
    UPDATE memberships_membership m SET status = %(to)s FROM old WHERE m.id = old.id
    RETURNING m.id, old.status AS from_status
)
INSERT INTO memberships_membershipevent
    (membership_id, from_status, to_status, reason, note, effective_on, actor_id, created_at)
SELECT id, from_status, %(to)s, %(reason)s, '', %(today)s, NULL, now() FROM moved
RETURNING membership_id
"""

_REMIND = """
INSERT INTO memberships_membershipreminder (membership_id, kind, period_end, sent_on)
SELECT id, %(kind)s, valid_until, %(today)s FROM memberships_membership
WHERE member_type_id = %(type)s AND status = ANY(%(status)s)
  AND valid_until >= %(low)s AND valid_until < %(high)s
ON CONFLICT (membership_id, kind, period_end) DO NOTHING
RETURNING membership_id
"""


def lifecycle_run(*, today: dt.date | None = None) -> Counter:
    """Move and remind in the current association's schema, as of `today`. Returns what was
    done: {"overdue": n, "suspended": n, "lapsed": n, "renewal_due": n, ..., "messages": n}."""
    today = today or timezone.localdate()
    done: Counter = Counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One run at a time per association (beat and an operator's command together).
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() "
                           "|| ':membership_lifecycle'))")
        prices = _prices(today)
        for mtype in MemberType.objects.all():
            _moves(mtype, today, done, prices)
            _reminders(mtype, today, done, prices)
    return done


def _moves(mtype: MemberType, today: dt.date, done: Counter, prices) -> None:
    if mtype.lapse_at_end:
        ids = _move(mtype, today, [S.ACTIVE, S.OVERDUE, S.SUSPENDED], S.LAPSED, today, R.ENDED)
        _tell(done, "membership_lapsed", ids, mtype, today, prices, S.LAPSED)
        return
    if mtype.lapse_after_months:
        ids = _move(mtype, today, [S.ACTIVE, S.OVERDUE, S.SUSPENDED], S.LAPSED,
                    months_cutoff(today, mtype.lapse_after_months), R.UNPAID_LAPSED)
        _tell(done, "membership_lapsed", ids, mtype, today, prices, S.LAPSED)
    if mtype.suspend_after_months:
        ids = _move(mtype, today, [S.ACTIVE, S.OVERDUE], S.SUSPENDED,
                    months_cutoff(today, mtype.suspend_after_months), R.UNPAID_SUSPENDED)
        _tell(done, "membership_suspended", ids, mtype, today, prices, S.SUSPENDED)
    ids = _move(mtype, today, [S.ACTIVE], S.OVERDUE, today, R.UNPAID)
    done[S.OVERDUE] += len(ids)
    if mtype.remind_when_overdue:
        _message(done, "membership_overdue", ids, mtype, prices)


def _move(mtype, today, from_statuses, to, before, reason) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_MOVE, {"type": mtype.pk, "from": list(from_statuses), "to": str(to),
                               "before": before, "reason": str(reason), "today": today})
        ids = [row[0] for row in cursor.fetchall()]
    # The member directory's rows and counts follow, in bulk (one statement per 50,000).
    from tenant_apps.directory.services import refresh_entries

    refresh_entries(ids, record=False)
    if to == S.LAPSED:
        # the certificates of the lapsed are revoked with them (tenant_apps/certificates)
        from tenant_apps.certificates.services import certificates_revoke_lapsed

        certificates_revoke_lapsed(ids)
    return ids


def _tell(done, event, ids, mtype, today, prices, status) -> None:
    done[status] += len(ids)
    _message(done, event, ids, mtype, prices)


def _reminders(mtype: MemberType, today: dt.date, done: Counter, prices) -> None:
    if mtype.lapse_at_end:
        return
    # Windows that never overlap: the 30-day reminder from 30 to 8 days before the end, the
    # 7-day one from 7 days to the last day; a member who joins 5 days before the end gets
    # the 7-day one only.
    previous = -1
    for days in sorted(set(mtype.reminder_days)):
        ids = _remind(mtype, today, f"before_end:{days}", [S.ACTIVE],
                      today + dt.timedelta(days=previous + 1),
                      today + dt.timedelta(days=days + 1))
        done["renewal_due"] += len(ids)
        _message(done, "renewal_due", ids, mtype, prices)
        previous = days
    for months, notice, kind, statuses, event, extra in (
            (mtype.suspend_after_months, mtype.remind_before_suspension_days,
             "before_suspension", [S.OVERDUE], "suspension_due", "suspend_on"),
            (mtype.lapse_after_months, mtype.remind_before_lapse_days, "before_lapse",
             [S.OVERDUE, S.SUSPENDED], "lapse_due", "lapse_on")):
        if not (months and notice):
            continue
        ids = _remind(mtype, today, kind, statuses, months_cutoff(today, months),
                      months_cutoff(today + dt.timedelta(days=notice), months))
        done[event] += len(ids)
        _message(done, event, ids, mtype, prices, extra=(extra, months))


def _remind(mtype, today, kind, statuses, low, high) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_REMIND, {"type": mtype.pk, "kind": kind, "status": list(statuses),
                                 "low": low, "high": high, "today": today})
        return [row[0] for row in cursor.fetchall()]


def _prices(today: dt.date) -> dict:
    """The yearly fee in force per (type, rank), read once per run."""
    from tenant_apps.billing.pricing import fee_in_force_fen

    prices = {}
    for mtype in MemberType.objects.prefetch_related("ranks", "fees"):
        for rank in [None, *mtype.ranks.all()]:
            prices[(mtype.pk, rank.pk if rank else None)] = \
                fee_in_force_fen(mtype, rank, today) or 0
    return prices


def _message(done, event, ids, mtype, prices, extra=None, chunk: int = 20000) -> None:
    if not ids:
        return
    from huiji.templatetags.money import yuan
    from huiji.tenancy.current import current_association
    from tenant_apps.notifications.services import notify_bulk
    from tenants.services import association_url

    association = current_association()
    renew = association_url(association, "/member/renew/") if association else ""
    for start in range(0, len(ids), chunk):
        people = []
        for row in Membership.objects.filter(pk__in=ids[start:start + chunk]).values(
                "user_id", "user__name", "user__username", "user__phone", "user__email",
                "number", "valid_until", "rank_id"):
            params = {"member_type": mtype.name, "member_number": row["number"],
                      "valid_until": row["valid_until"].isoformat()}
            if event != "membership_lapsed":
                params["amount"] = yuan(prices.get((mtype.pk, row["rank_id"])) or 0)
                params["renew_link"] = renew
            if extra:
                params[extra[0]] = past_months_on(row["valid_until"], extra[1]).isoformat()
            people.append({"user_id": row["user_id"],
                           "name": row["user__name"] or row["user__username"],
                           "phone": row["user__phone"], "email": row["user__email"],
                           "params": params})
        done["messages"] += notify_bulk(event=event, people=people)
