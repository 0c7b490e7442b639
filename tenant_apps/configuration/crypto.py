"""Encryption at rest for payment secrets: sealed by the platform's one mechanism
(`huiji.crypto`: AES-GCM envelopes under HUIJI_DATA_KEYS, the association's schema name as
associated data, so a value copied from one schema to another does not decrypt there).
Secrets stored before the envelope existed (Fernet tokens under ENCRYPTION_KEY) still open,
and `manage.py personal_data_rekey` re-seals them under the current data key.
"""

from __future__ import annotations

from huiji.crypto import SealError, seal, unseal


def encrypt(value: str) -> str:
    return seal(value)


def decrypt(token: str) -> str:
    try:
        return unseal(token)
    except SealError as exc:
        raise ValueError("the secret cannot be decrypted with this association's key") from exc


def mask(value: str) -> str:
    """What staff see of a stored secret: its length class and last four characters."""
    tail = value[-4:] if len(value) > 8 else ""
    return f"••••••••{tail}"
