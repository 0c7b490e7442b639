"""The marketplace's configuration as data: the profile's `marketplace:` section, validated
with exact paths (`marketplace.categories[2].code`), stored on AssociationSettings and
exported with the profile (docs/marketplace.md).

```yaml
marketplace:
  enabled: true
  kinds: [supply, demand, product]   # 供需对接 (supply, demand) and 产品对接 (product)
  categories:                        # in display order; codes unique
    - {code: pipes, name: 管材管件}
  province: 江苏省                    # regions: this province's cities (bundled GB/T 2260
                                     # list); none: every province
  max_valid_days: 365                # how far ahead valid-until may be (default 180)
  max_images: 6                      # pictures per post (default 6)
  contacts_per_day: 10               # 联系发布者 messages one member sends a day (default 10)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

KINDS = ("supply", "demand", "product")
SUPPLY_DEMAND = ("supply", "demand")  # 供需对接; 产品对接 is the products
DEFAULTS = {"max_valid_days": 180, "max_images": 6, "contacts_per_day": 10}


@dataclass(frozen=True)
class MarketSettings:
    enabled: bool = False
    kinds: tuple[str, ...] = ()
    categories: tuple[tuple[str, str], ...] = ()  # (code, name)
    province: str = ""  # a GB/T 2260 province code; "" for every province
    max_valid_days: int = DEFAULTS["max_valid_days"]
    max_images: int = DEFAULTS["max_images"]
    contacts_per_day: int = DEFAULTS["contacts_per_day"]

    def offers(self, kinds) -> bool:
        return self.enabled and any(k in self.kinds for k in kinds)

    def category_name(self, code: str) -> str:
        return dict(self.categories).get(code, "")

    @property
    def regions(self) -> list[tuple[str, str]]:
        """(code, name) a post may name: the province's cities, or every province."""
        from tenant_apps.configuration.fieldtypes import regions

        table = regions()
        if self.province in table:
            return list(table[self.province]["cities"].items())
        return [(code, p["name"]) for code, p in table.items()]

    def region_name(self, code: str) -> str:
        return dict(self.regions).get(code, "")


def _province_code(value: str) -> str | None:
    from tenant_apps.configuration.fieldtypes import regions

    for code, province in regions().items():
        if value in (code, province["name"]):
            return code
    return None


def validate(c, raw: Any) -> dict:
    """The normalised section, recording problems on the profile's checker `c`."""
    section = c.mapping({} if raw is None else raw, "marketplace",
                        {"enabled", "kinds", "categories", "province", "max_valid_days",
                         "max_images", "contacts_per_day"})
    out: dict[str, Any] = {"enabled": c.boolean(section.get("enabled"), "marketplace.enabled",
                                                False)}
    kinds = []
    for i, kind in enumerate(c.listing(section.get("kinds", list(KINDS)), "marketplace.kinds",
                                       required=out["enabled"])):
        kind = c.choice(kind, f"marketplace.kinds[{i}]", KINDS)
        if kind in kinds:
            c.fail(f"marketplace.kinds[{i}]", _("repeats the kind %(kind)s") % {"kind": kind})
        elif kind:
            kinds.append(kind)
    out["kinds"] = kinds
    seen: set[str] = set()
    categories = []
    for i, item in enumerate(c.listing(section.get("categories") or [], "marketplace.categories",
                                       required=out["enabled"])):
        p = f"marketplace.categories[{i}]"
        item = c.mapping(item, p, {"code", "name"}, required={"code", "name"})
        categories.append({"code": c.code(item.get("code"), f"{p}.code", seen),
                           "name": c.text(item.get("name"), f"{p}.name", required=True,
                                          max_length=40)})
    out["categories"] = categories
    province = section.get("province")
    out["province"] = ""
    if province not in (None, ""):
        code = _province_code(str(province))
        if code is None:
            c.fail("marketplace.province", _("must be a province of the bundled region list "
                                             "(its name, e.g. 江苏省, or its code)"))
        else:
            out["province"] = code
    for key, high in (("max_valid_days", 730), ("max_images", 12), ("contacts_per_day", 100)):
        value = c.integer(section.get(key), f"marketplace.{key}", low=1, high=high)
        out[key] = DEFAULTS[key] if value is None else value
    return out


def export(stored: dict | None) -> dict:
    """The section as a profile file writes it: what `validate` returns for it (an
    association that never had the section gets the defaults, switched off)."""
    stored = stored or {}
    return {"enabled": bool(stored.get("enabled")),
            "kinds": list(stored.get("kinds", KINDS)),
            "categories": [dict(c) for c in stored.get("categories") or ()],
            "province": stored.get("province", ""),
            **{k: stored.get(k) or v for k, v in DEFAULTS.items()}}


def market_settings(request=None) -> MarketSettings:
    """The association's settings (off where the profile says nothing); once per request
    when given one."""
    cached = getattr(request, "_market_settings", None) if request is not None else None
    if cached is not None:
        return cached
    from tenant_apps.configuration.switches import feature_switches

    stored = feature_switches(request).marketplace  # one query for every feature switch
    found = MarketSettings(
        enabled=bool(stored.get("enabled")), kinds=tuple(stored.get("kinds") or ()),
        categories=tuple((c["code"], c["name"]) for c in stored.get("categories") or ()),
        province=stored.get("province", ""),
        **{k: stored.get(k) or v for k, v in DEFAULTS.items()})
    if request is not None:
        request._market_settings = found
    return found
