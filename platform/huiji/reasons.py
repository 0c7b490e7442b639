"""The one rule for a reason or note a person types for another to read (a rejection's
reason, 退会's reason, a change request's note): plain text, trimmed, at most 2000
characters."""

from __future__ import annotations

from django.utils.translation import gettext as _

from huiji.errors import AppError

LIMIT = 2000


def reason_checked(reason, *, required: str | None = None, field: str = "reason") -> str:
    """`reason` trimmed; AppError (400, naming `field`) when it holds a NUL or is too long,
    or, with `required` (the message to show), when it is empty."""
    reason = (reason or "").strip()
    if required and not reason:
        raise AppError("reason_required", required, field=field)
    if len(reason) > LIMIT or "\x00" in reason:
        raise AppError("bad_reason", _("The reason must be plain text of at most 2000 "
                                       "characters."), field=field)
    return reason
