"""What staff are told about a key they pasted (onboarding in the console, the association's
payment accounts page): one translated sentence per way a key can be wrong."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.payments import rsa

MESSAGES = {
    "empty": _("Paste the key."),
    "malformed": _("This is not an RSA key. Paste it as PEM (the lines from -----BEGIN to "
                   "-----END) or as the bare base64 text of Alipay's key tool."),
    "encrypted": _("This private key is protected by a password. Export it without a "
                   "password and paste it again."),
    "not_rsa": _("This key is not an RSA key: WeChat Pay and Alipay sign with RSA2048."),
    "too_short": _("This RSA key is shorter than 2048 bits: WeChat Pay and Alipay require "
                   "2048 bits."),
}
WRONG_KIND = {
    "private": _("This is a public key or a certificate: the private key belongs here."),
    "public": _("This is a private key: the public key belongs here. Keep the private key "
                "to yourself."),
}
API_V3_KEY_LENGTH = 32


def key_problem(text: str, *, private: bool) -> str | None:
    """None when `text` is a usable key of its kind, else what to tell staff."""
    try:
        (rsa.check_private_key if private else rsa.check_public_key)(text or "")
    except rsa.KeyFormatError as exc:
        if exc.reason == "wrong_kind":
            return str(WRONG_KIND["private" if private else "public"])
        return str(MESSAGES.get(exc.reason, MESSAGES["malformed"]))
    return None


def secret_problem(name: str, value: str) -> str | None:
    """What is wrong with a payment account's secret `name`, by what it is."""
    if name.endswith("private_key"):
        return key_problem(value, private=True)
    if name.endswith("public_key"):
        return key_problem(value, private=False)
    if name == "api_v3_key" and len(value.strip()) != API_V3_KEY_LENGTH:
        return str(_("The APIv3 key has 32 characters."))
    return None
