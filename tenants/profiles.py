"""Starting profiles: the files under tenants/profiles/, one per demo association.

A profile is the whole of what makes one association different from another, in the format
of docs/profiles.md, loaded by tenant_apps.configuration (validated, then applied all or
nothing inside the association's schema).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tenant_apps.configuration.profile import load_profile_file

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def profile_path(key: str) -> Path:
    path = PROFILE_DIR / f"{key}.yaml"
    if key not in available_profiles():
        raise KeyError(key)
    return path


@cache
def load_profile(key: str) -> dict:
    """The validated document of a bundled profile (cached: the files ship with the code).
    A starting profile may leave its bank account to onboarding (the operator gives it), so
    a way to pay is required when it is applied, not here."""
    return load_profile_file(profile_path(key), require_payment=False)
