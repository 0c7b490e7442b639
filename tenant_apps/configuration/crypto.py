"""Encryption at rest for payment secrets.

Each association's secrets are encrypted with its own key, derived (HKDF-SHA256) from the
platform's master key and the association's schema name, so a value copied from one schema to
another does not decrypt there. The master key is ENCRYPTION_KEY (any long random string; from
a file via ENCRYPTION_KEY_FILE), falling back to SECRET_KEY in development.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection


def _fernet(schema: str | None = None) -> Fernet:
    master = (settings.ENCRYPTION_KEY or settings.SECRET_KEY).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huiji-payment-secrets",
               info=(schema or connection.schema_name).encode()).derive(master)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("the secret cannot be decrypted with this association's key") from exc


def mask(value: str) -> str:
    """What staff see of a stored secret: its length class and last four characters."""
    tail = value[-4:] if len(value) > 8 else ""
    return f"••••••••{tail}"
