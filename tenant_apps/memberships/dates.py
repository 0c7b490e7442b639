"""Month arithmetic as PostgreSQL does it (a month after 31 January is 28/29 February), and the
cut-off dates the nightly job compares `valid_until` with, so its queries use the index."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def months_cutoff(day: dt.date, months: int) -> dt.date:
    """The earliest end of validity `v` with add_months(v, months) >= day: a membership that
    ended before it is more than `months` months past its end on `day`."""
    guess = add_months(day, -months) - dt.timedelta(days=4)
    while add_months(guess, months) < day:
        guess += dt.timedelta(days=1)
    return guess


def past_months_on(valid_until: dt.date, months: int) -> dt.date:
    """The first day a membership that ended on `valid_until` is more than `months` months
    unpaid: CMES, 6 months after 2025-12-31, is 2026-07-01."""
    return add_months(valid_until, months) + dt.timedelta(days=1)


def year_runs(years) -> list[list[int]]:
    """Years grouped into runs of consecutive years, in the order given: [2019, 2020, 2022] ->
    [[2019, 2020], [2022]]. A run of paid years is one fee period (the member import), and is
    written as 2019-2020 (the export's 已缴费年度, which the import reads back)."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return runs
