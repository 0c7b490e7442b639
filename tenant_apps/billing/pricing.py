"""What a member pays: the yearly fee in force for a renewal, and the price of a level change
by the target type's upgrade pricing. Reads only; one place for both rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.configuration.models import UpgradePricing


def fee_in_force_fen(member_type, rank, on: dt.date | None = None) -> int | None:
    """The yearly fee of a type and rank in force on a day (today), or None without one."""
    from tenant_apps.configuration.selectors import fee_in_force

    fee = fee_in_force(list(member_type.fees.all()), rank_id=rank.pk if rank else None,
                       on=on or timezone.localdate())
    return fee.amount_fen if fee else None


def renewal_price(membership) -> int:
    """The yearly fee in force today for the member's type and rank (0: a free type)."""
    return fee_in_force_fen(membership.member_type, membership.rank) or 0


@dataclass(frozen=True)
class LevelChangePrice:
    """The price of a level change and what the member gets for it.

    `years` are the years paid for. With `restart` the validity starts again on the day of
    the change, for one year by the target type's rule; without, the paid period the member
    has is kept (the fee difference was paid for each of its years)."""

    amount_fen: int
    years: int
    restart: bool


def level_change_price(membership, member_type, rank, on: dt.date | None = None
                       ) -> LevelChangePrice:
    """By the target type's upgrade pricing:

    - `full`: the target's full yearly fee, one year, validity starting again;
    - `difference`: the target's fee less the current one, for each paid year left (at least
      the current one), the paid period kept; a change to a cheaper level costs nothing.

    A free membership (a CMES student) has no paid period to carry: changing from it always
    costs the target's full fee for a year, validity starting again."""
    today = on or timezone.localdate()
    new = fee_in_force_fen(member_type, rank, today)
    if new is None:
        raise AppError("no_fee", _("This member type has no fee in force."))
    current = renewal_price(membership)
    if member_type.upgrade_pricing == UpgradePricing.FULL or current == 0:
        return LevelChangePrice(new, 1, True)
    end_year = membership.valid_until.year if membership.valid_until else today.year
    years = max(end_year - today.year + 1, 1)
    return LevelChangePrice(max(new - current, 0) * years, years, False)
