"""Starting profiles: the files under tenants/profiles/ that describe an association.

A profile is the whole of what makes one association different from another. For now it
holds the landing content; the configuration issue extends it with member types, fees, forms,
uploads and review chains, loaded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    short_name: str = ""
    site: dict = field(default_factory=dict)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(key: str) -> Profile:
    path = PROFILE_DIR / f"{key}.yaml"
    if not path.is_file():
        raise KeyError(key)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Profile(key=key, name=data["name"], short_name=data.get("short_name", ""),
                   site=data.get("site") or {})
