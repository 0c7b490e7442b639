"""How long a membership is valid, by the member type's rule."""

from __future__ import annotations

import datetime as dt

from tenant_apps.configuration.models import MemberType, ValidityRule


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def validity_end(member_type: MemberType, *, start: dt.date, years: int,
                 answers: dict | None = None) -> dt.date | None:
    """The last valid day of a membership that starts (or is extended) on `start` for
    `years` paid years.

    - calendar_year: to 31 December of the last paid year (CMES): joining in June 2026 for one
      year is valid to 2026-12-31, for three years to 2028-12-31; with `next_year_from`
      (12-01), joining on 7 December 2026 for one year is valid to 2027-12-31.
    - rolling: a year from the start per year paid, less a day (Jiangsu).
    - until_field: the date the applicant gave in the named field (CMES students' graduation).
    """
    if member_type.validity_rule == ValidityRule.CALENDAR_YEAR:
        first = start.year
        if member_type.next_year_from:
            # a late-year join (on or after next_year_from) is paid from the next year
            month, day = (int(x) for x in member_type.next_year_from.split("-"))
            if (start.month, start.day) >= (month, day):
                first += 1
        return dt.date(first + max(years, 1) - 1, 12, 31)
    if member_type.validity_rule == ValidityRule.ROLLING:
        return _add_years(start, max(years, 1)) - dt.timedelta(days=1)
    value = (answers or {}).get(member_type.validity_field)
    return dt.date.fromisoformat(value) if value else None


def renewal_start(*, today: dt.date, current_end: dt.date | None) -> dt.date:
    """A renewal counts from the later of today and the day after the current end."""
    if current_end is None or current_end < today:
        return today
    return current_end + dt.timedelta(days=1)
