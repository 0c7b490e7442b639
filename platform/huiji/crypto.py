"""Encryption at rest: the one mechanism for every secret and personal value the platform
stores encrypted (payment keys, ID numbers and the fields a profile marks `sensitive`).

A value is sealed into an envelope `hj1:<key id>:<base64 of nonce + AES-256-GCM ciphertext>`
under the current data key, with the association's schema name as associated data: a value
copied into another association's tables does not open there. The keys come from
`HUIJI_DATA_KEYS` (`id=base64key,id=base64key`, each key 32 bytes; the first is current,
the others only open what they sealed until `manage.py personal_data_rekey` has re-sealed
everything under the current one). Development, the demo and the tests use an embedded key;
the production settings refuse to start without HUIJI_DATA_KEYS.

Payment secrets written before this envelope existed are Fernet tokens under a key derived
from ENCRYPTION_KEY (or SECRET_KEY); `unseal` still opens them, and the re-keying turns them
into envelopes.

A blind index (`blind_indexes`) is a keyed hash of a normalised value, so that an exact
lookup (the directory's search by ID number, the import's duplicate check) finds a sealed
value without decrypting every row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

PREFIX = "hj1"
# The development, demo and test key: public, so nothing it sealed is secret. Production
# refuses it (settings/production.py).
DEVELOPMENT_KEYS = "dev=aHVpamktZGV2ZWxvcG1lbnQtZGF0YS1rZXktMzJiISE="


class SealError(ValueError):
    """A value that does not open: another association's, a key no longer configured, or
    altered."""


@lru_cache(maxsize=8)
def parse_keys(spec: str) -> tuple[tuple[str, bytes], ...]:
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition("=")
        kid = kid.strip()
        if not sep or not kid or not kid.isascii() or not kid.replace("-", "").isalnum():
            raise ImproperlyConfigured(
                "HUIJI_DATA_KEYS must be id=base64key pairs separated by commas "
                "(ids of letters, digits and -).")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"HUIJI_DATA_KEYS: the key {kid!r} is not base64.") \
                from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"HUIJI_DATA_KEYS: the key {kid!r} must be 32 bytes "
                                       f"(it is {len(key)}).")
        if any(kid == k for k, _ in keys):
            raise ImproperlyConfigured(f"HUIJI_DATA_KEYS names the key {kid!r} twice.")
        keys.append((kid, key))
    if not keys:
        raise ImproperlyConfigured("HUIJI_DATA_KEYS holds no key.")
    return tuple(keys)


def data_keys() -> tuple[tuple[str, bytes], ...]:
    """The key ring, current key first."""
    return parse_keys(settings.HUIJI_DATA_KEYS or DEVELOPMENT_KEYS)


def current_key_id() -> str:
    return data_keys()[0][0]


def _schema(schema: str | None) -> bytes:
    return (schema or connection.schema_name).encode()


def seal(text: str, *, schema: str | None = None) -> str:
    """`text` encrypted under the current key for `schema` (default: the current one)."""
    kid, key = data_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode(), _schema(schema))
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def is_sealed(token) -> bool:
    return isinstance(token, str) and token.startswith(PREFIX + ":")


def key_id_of(token: str) -> str | None:
    """The key an envelope was sealed with (None for a legacy payment-secret token)."""
    return token.split(":", 2)[1] if is_sealed(token) and token.count(":") >= 2 else None


def unseal(token: str, *, schema: str | None = None) -> str:
    """The text of an envelope (or of a legacy Fernet payment-secret token); SealError if it
    does not open here."""
    if not is_sealed(token):
        return _legacy_unseal(token, schema)
    try:
        _prefix, kid, encoded = token.split(":", 2)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise SealError("not an envelope") from exc
    key = dict(data_keys()).get(kid)
    if key is None:
        raise SealError(f"the data key {kid!r} is not configured (HUIJI_DATA_KEYS)")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], _schema(schema)).decode()
    except InvalidTag as exc:
        raise SealError("the value does not open with this association's key") from exc


def seal_bytes(data: bytes, *, schema: str | None = None) -> bytes:
    """A file's content sealed as `seal` seals text (`hj1:<key id>:` then nonce and
    ciphertext, binary): the import's checked rows, which hold ID numbers."""
    kid, key = data_keys()[0]
    nonce = os.urandom(12)
    return f"{PREFIX}:{kid}:".encode() + nonce + AESGCM(key).encrypt(nonce, data,
                                                                     _schema(schema))


def unseal_bytes(data: bytes, *, schema: str | None = None) -> bytes:
    try:
        prefix, kid, raw = data.split(b":", 2)
    except ValueError as exc:
        raise SealError("not a sealed file") from exc
    key = dict(data_keys()).get(kid.decode("ascii", "replace"))
    if prefix != PREFIX.encode() or key is None:
        raise SealError("not a sealed file, or its key is not configured")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], _schema(schema))
    except InvalidTag as exc:
        raise SealError("the file does not open with this association's key") from exc


def _legacy_unseal(token: str, schema: str | None) -> str:
    from cryptography.fernet import Fernet, InvalidToken

    master = (settings.ENCRYPTION_KEY or settings.SECRET_KEY).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huiji-payment-secrets",
               info=_schema(schema)).derive(master)
    try:
        return Fernet(base64.urlsafe_b64encode(key)).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise SealError("the secret cannot be decrypted with this association's key") from exc


@lru_cache(maxsize=32)
def _index_key(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huiji-blind-index",
                info=b"blind-index").derive(key)


def blind_index(value: str, *, schema: str | None = None, key: bytes | None = None) -> str:
    """A keyed hash of `value` (normalised by the caller) in `schema`, under the current key
    (or `key`): equal values give equal hashes, and nothing else can be read from it."""
    key = key if key is not None else data_keys()[0][1]
    message = _schema(schema) + b"\x00" + value.encode()
    return hmac.new(_index_key(key), message, hashlib.sha256).hexdigest()[:32]


def blind_indexes(value: str, *, schema: str | None = None) -> list[str]:
    """`value`'s blind index under every configured key: what a lookup matches while a
    re-keying is under way (rows not yet re-sealed still carry the old key's hash)."""
    return [blind_index(value, schema=schema, key=key) for _kid, key in data_keys()]
