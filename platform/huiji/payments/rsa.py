"""RSA-SHA256 (PKCS#1 v1.5) signing and verification: what both WeChat Pay v3
(WECHATPAY2-SHA256-RSA2048) and Alipay (RSA2) use.

Keys come as staff paste them: PEM (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, `PUBLIC
KEY`, `RSA PUBLIC KEY`, a `CERTIFICATE`) or, as Alipay's key tool hands them out, bare base64
of the same DER structures (PKCS#1 or PKCS#8 private keys, SubjectPublicKeyInfo public keys),
possibly broken over lines. A key that does not load raises `KeyFormatError` with a `reason`
the pages translate for staff.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MIN_BITS = 2048  # both providers require RSA2048 for these signatures


class KeyFormatError(ValueError):
    """A key that cannot be used. `reason` is one of: empty, malformed, encrypted, not_rsa,
    too_short, wrong_kind (a public key where a private one belongs, or the reverse)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def _der_of_bare_base64(text: str) -> bytes:
    compact = re.sub(r"\s+", "", text)
    if not compact or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        raise KeyFormatError("malformed", "neither PEM nor base64")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError("malformed", "bad base64") from exc


def _checked_rsa(key, *, private: bool):
    wanted = rsa.RSAPrivateKey if private else rsa.RSAPublicKey
    if not isinstance(key, wanted):
        raise KeyFormatError("not_rsa", type(key).__name__)
    if key.key_size < MIN_BITS:
        raise KeyFormatError("too_short", f"{key.key_size} bits")
    return key


def _pem_or_der(text: str):
    """(PEM label, PEM block text, its bytes) for a PEM key, or (None, "", DER bytes) for
    bare base64: how both kinds of key arrive."""
    text = (text or "").strip()
    if not text:
        raise KeyFormatError("empty")
    found = _PEM.search(text)
    if found:
        return found.group(1), found.group(2), found.group(0).encode()
    return None, "", _der_of_bare_base64(text)


def _loads_as(loader, der: bytes) -> bool:
    try:
        loader(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _der_private(der: bytes):
    return serialization.load_der_private_key(der, password=None)


def _load_private(text: str):
    label, body, data = _pem_or_der(text)
    try:
        if label is not None:
            if "PUBLIC" in label or "CERTIFICATE" in label:
                raise KeyFormatError("wrong_kind", f"{label} given for a private key")
            if "ENCRYPTED" in label or "Proc-Type: 4,ENCRYPTED" in body:
                raise KeyFormatError("encrypted")
            key = serialization.load_pem_private_key(data, password=None)
        else:
            try:
                key = _der_private(data)
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                if _loads_as(serialization.load_der_public_key, data):
                    raise KeyFormatError("wrong_kind", "a public key given for a private "
                                         "key") from exc
                raise
    except KeyFormatError:
        raise
    except TypeError as exc:  # a password would be needed
        raise KeyFormatError("encrypted") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("malformed", str(exc)[:80]) from exc
    return _checked_rsa(key, private=True)


def _load_public(text: str):
    label, _body, data = _pem_or_der(text)
    try:
        if label is not None:
            if "PRIVATE" in label:
                raise KeyFormatError("wrong_kind", f"{label} given for a public key")
            if "CERTIFICATE" in label:
                key = x509.load_pem_x509_certificate(data).public_key()
            else:
                key = serialization.load_pem_public_key(data)
        else:
            try:
                key = serialization.load_der_public_key(data)
            except (ValueError, TypeError, UnsupportedAlgorithm):
                try:
                    key = x509.load_der_x509_certificate(data).public_key()
                except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                    if _loads_as(_der_private, data):
                        raise KeyFormatError("wrong_kind", "a private key given for a public "
                                             "key") from exc
                    raise
    except KeyFormatError:
        raise
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("malformed", str(exc)[:80]) from exc
    return _checked_rsa(key, private=False)


@lru_cache(maxsize=64)
def _private(text: str):
    return _load_private(text)


@lru_cache(maxsize=64)
def _public(text: str):
    return _load_public(text)


def check_private_key(text: str) -> None:
    """Raise KeyFormatError unless `text` is a usable RSA private key (2048 bits or more)."""
    _private(text.strip())


def check_public_key(text: str) -> None:
    """Raise KeyFormatError unless `text` is a usable RSA public key or certificate."""
    _public(text.strip())


def sign(private_key: str, message: bytes | str) -> str:
    if isinstance(message, str):
        message = message.encode()
    signature = _private(private_key.strip()).sign(message, padding.PKCS1v15(),
                                                   hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key: str, message: bytes | str, signature_b64: str) -> bool:
    if isinstance(message, str):
        message = message.encode()
    try:
        _public(public_key.strip()).verify(base64.b64decode(signature_b64), message,
                                           padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def new_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh 2048-bit key: for tests and the demo's fake
    merchant and gateway."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public
