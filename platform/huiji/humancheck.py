"""A slider check that needs no outside service.

The server draws a target position (a notch on a track) and hands out a signed, timed,
single-use token naming it; the person drags the handle onto the notch. The answer is
accepted within a small tolerance, within two minutes, once. It stops scripted sign-ups and
password guessing that do not render the page; it is not meant to defeat a determined human.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _

from huiji.errors import AppError

SALT = "huiji.humancheck"
MAX_AGE = 120
TOLERANCE = 4  # percent of the track


def challenge() -> dict:
    target = 25 + secrets.randbelow(60)
    nonce = secrets.token_urlsafe(12)
    return {"token": signing.dumps({"t": target, "n": nonce}, salt=SALT), "target": target}


def verify(token: str, position: str | float) -> None:
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
        value = float(position)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise AppError("human_check", _("Drag the slider onto the mark to continue."),
                       field="human_check") from exc
    if abs(value - data["t"]) > TOLERANCE:
        raise AppError("human_check", _("The slider was not on the mark. Try again."),
                       field="human_check")
    # Single use: the cache is per association (tenant-keyed) and lives past the token's age.
    if not cache.add(f"humancheck:{data['n']}", 1, MAX_AGE + 10):
        raise AppError("human_check", _("This check was already used. Try again."),
                       field="human_check")
