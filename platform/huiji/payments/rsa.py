"""RSA-SHA256 (PKCS#1 v1.5) signing and verification with PEM keys: what both WeChat Pay v3
(WECHATPAY2-SHA256-RSA2048) and Alipay (RSA2) use."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _pem(text: str) -> bytes:
    text = text.strip()
    if "-----BEGIN" in text:
        return text.encode()
    # Alipay hands keys out as bare base64; wrap them.
    return b"-----BEGIN PUBLIC KEY-----\n" + text.encode() + b"\n-----END PUBLIC KEY-----\n"


@lru_cache(maxsize=64)
def _private(pem: str):
    return serialization.load_pem_private_key(pem.strip().encode(), password=None)


@lru_cache(maxsize=64)
def _public(pem: str):
    data = _pem(pem)
    if b"CERTIFICATE" in data:
        from cryptography import x509

        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def sign(private_key_pem: str, message: bytes | str) -> str:
    if isinstance(message, str):
        message = message.encode()
    signature = _private(private_key_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key_pem: str, message: bytes | str, signature_b64: str) -> bool:
    if isinstance(message, str):
        message = message.encode()
    try:
        _public(public_key_pem).verify(base64.b64decode(signature_b64), message,
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
