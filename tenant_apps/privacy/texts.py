"""The wording consents are given to, as configuration: the profile's `privacy` block (the
privacy policy, the consent to show contact details on a market post, to share details with a
branch joined) and the roster's own question (`roster.consent_text`). Each distinct wording is
a numbered version (`ConsentText`), created the first time someone agrees to it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tenant_apps.privacy.models import ConsentText, PrivacySettings, Purpose

KEYS = ("policy", "market_contact", "branch_sharing")
DEFAULT = {key: "" for key in KEYS}


def default_text(purpose: str) -> str:
    """The platform's wording where the association gave none (in the association's
    language when called under it)."""
    return {
        Purpose.PRIVACY_POLICY: _(
            "The association collects the personal information you give (name, phone, e-mail, "
            "ID number, work unit, uploaded documents) to handle your membership: your "
            "application, fees, receipts, certificates and messages. ID numbers are stored "
            "encrypted and shown in full only to the staff who need them, each time recorded. "
            "Your details are published (member roster, market posts) or shared with a branch "
            "only with your consent, which you may withdraw at any time. In the member centre, "
            "under My data, you can download everything the association holds about you and "
            "ask for it to be deleted; financial records the law requires are kept."),
        Purpose.ROSTER: _("List me in the public member roster with the details I tick."),
        # the market post form's tick box, as it reads (tenant_apps/marketplace/forms.py)
        Purpose.MARKET_CONTACT: _(
            "Members of the association may see my contact phone and e-mail"),
        Purpose.BRANCH_SHARING: _(
            "Share my membership details with the branch I ask to join: its administrators "
            "will see my record."),
    }[purpose]


def privacy_checked(c, raw: Any) -> dict:
    """The profile's `privacy` block: the association's wording of each text (optional)."""
    item = c.mapping(raw if raw is not None else {}, "privacy", set(KEYS))
    return {key: c.text(item.get(key), f"privacy.{key}",
                        max_length=20000 if key == "policy" else 1000) for key in KEYS}


def privacy_settings_apply(block: dict | None) -> PrivacySettings:
    block = {**DEFAULT, **(block or {})}
    row = PrivacySettings.objects.first() or PrivacySettings()
    for key in KEYS:
        setattr(row, key, block[key])
    row.save()
    return row


def privacy_exported() -> dict:
    row = PrivacySettings.objects.first()
    return {key: getattr(row, key) for key in KEYS} if row else dict(DEFAULT)


def wording(purpose: str) -> str:
    """The wording in force for `purpose`: the association's, or the platform's."""
    if purpose == Purpose.ROSTER:
        from tenant_apps.roster.selectors import roster_settings

        own = roster_settings().consent_text
    else:
        row = PrivacySettings.objects.first()
        own = getattr(row, {Purpose.PRIVACY_POLICY: "policy",
                            Purpose.MARKET_CONTACT: "market_contact",
                            Purpose.BRANCH_SHARING: "branch_sharing"}[purpose], "") \
            if row else ""
    return own or default_text(purpose)


def text_version(purpose: str, text: str | None = None) -> ConsentText:
    """The version of `text` (default: the wording in force), created as the next version
    of its purpose the first time it is agreed to."""
    text = wording(purpose) if text is None else text
    digest = hashlib.sha256(text.encode()).hexdigest()
    found = ConsentText.objects.filter(purpose=purpose, sha256=digest).first()
    if found:
        return found
    for _attempt in range(3):
        last = ConsentText.objects.filter(purpose=purpose).aggregate(n=Max("version"))["n"]
        try:
            with transaction.atomic():
                return ConsentText.objects.create(purpose=purpose, version=(last or 0) + 1,
                                                  text=text, sha256=digest)
        except IntegrityError:  # two first agreements at once: the other one wrote it
            found = ConsentText.objects.filter(purpose=purpose, sha256=digest).first()
            if found:
                return found
    raise IntegrityError("consent text version")
