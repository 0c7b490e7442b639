"""Django's own messages that the site words differently: Django's Chinese catalogue says 你,
the site says 您 everywhere (issue 9). Our catalogue (platform/huiji/locale) translates these
msgids, and Django looks there first; they are listed here so that `makemessages` keeps those
entries live (an entry with no source would be dropped as obsolete)."""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES = (
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    ngettext_lazy("Your password must contain at least %(min_length)d character.",
                  "Your password must contain at least %(min_length)d characters.",
                  "min_length"),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
)
