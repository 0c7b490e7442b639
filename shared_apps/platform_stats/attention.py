"""What makes an association's row ask for the operator's attention, each with its reason.
The rules run when the summary is refreshed; the codes are stored on the row
(AssociationSummary.attention) and the page writes the reason of each."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

QUIET_DAYS = 30  # no staff login or staff action for this long
PAYMENT_FAILURES_MIN = 3  # at least this many failed payments in 30 days ...
PAYMENT_SUCCESS_MIN = 800  # ... with fewer than this per mille succeeding

OUTBOX = "outbox"
QUIET = "quiet"
PAYMENTS = "payments"
ERRORS = "errors"

REASONS = {
    OUTBOX: _("Messages are failing or stuck in the outbox"),
    QUIET: _("No staff activity for 30 days"),
    PAYMENTS: _("Payments are failing"),
    ERRORS: _("Errors in the last day"),
}
# The row's colour: the worst of its reasons ("danger" red, "warn" amber).
LEVEL = {OUTBOX: "danger", PAYMENTS: "danger", ERRORS: "danger", QUIET: "warn"}


def reasons(summary, *, now: dt.datetime, created_at: dt.datetime) -> list[str]:
    out = []
    if summary.outbox_failed_7d or summary.outbox_stuck:
        out.append(OUTBOX)
    if summary.payments_failed_30d >= PAYMENT_FAILURES_MIN and \
            (summary.payment_success_permille or 0) < PAYMENT_SUCCESS_MIN:
        out.append(PAYMENTS)
    if summary.errors_24h:
        out.append(ERRORS)
    quiet_since = summary.last_staff_activity_at or created_at
    if quiet_since < now - dt.timedelta(days=QUIET_DAYS):
        out.append(QUIET)
    return out


def level(codes: list[str]) -> str:
    levels = {LEVEL[c] for c in codes if c in LEVEL}
    return "danger" if "danger" in levels else "warn" if levels else ""
