"""Field types of the configurable forms: which options each type takes, and how a submitted
value is checked. Used to validate a form definition (profile import, staff edits) and, in the
join journey, the applicant's answers.

Every check returns a translated message for the person filling the form; `clean_value`
raises `FieldValueError(message)`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from huiji.richtext import sanitize as sanitize_html
from tenant_apps.configuration.models import FieldType

DEFAULT_MAX_LENGTH = {FieldType.TEXT: 200, FieldType.TEXTAREA: 2000, FieldType.RICHTEXT: 20000}
# Options each type accepts (besides key, label, type, required, help).
OPTIONS: dict[str, set[str]] = {
    FieldType.TEXT: {"max_length", "placeholder", "receipt"},
    FieldType.TEXTAREA: {"max_length", "placeholder"},
    FieldType.RICHTEXT: {"max_length"},
    FieldType.DATE: {"min", "max", "future"},
    FieldType.NUMBER: {"min", "max", "decimals"},
    FieldType.CHOICE: {"choices", "choices_from"},
    FieldType.MULTICHOICE: {"choices", "choices_from", "max_choices"},
    FieldType.REGION: {"city_required"},
    FieldType.PHONE: {"mobile_only"},
    FieldType.EMAIL: set(),
    FieldType.CN_ID: set(),
    FieldType.USCC: {"receipt"},
    FieldType.POSTCODE: set(),
    FieldType.URL: set(),
    FieldType.IMAGE: {"max_size_mb", "formats"},
    FieldType.GROUP: {"fields", "min_items", "max_items", "item_roles", "contacts"},
}
CHOICE_SOURCES = {"branches"}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_POSTCODE = re.compile(r"^\d{6}$")


class FieldValueError(Exception):
    pass


@cache
def regions() -> dict[str, dict]:
    """Province code -> {"name", "cities": {code: name}} from the bundled GB/T 2260 list."""
    data = json.loads((Path(__file__).parent / "data" / "regions.json").read_text("utf-8"))
    return {p["code"]: {"name": p["name"], "cities": {c["code"]: c["name"] for c in p["cities"]}}
            for p in data["provinces"]}


def normalize_choices(choices: list) -> list[dict[str, str]]:
    """`[男, 女]` or `[{value, label}]` -> `[{value, label}]`. A choice marked `exclusive`
    (CACEM's 无) keeps the mark: it cannot be ticked together with another."""
    out = []
    for item in choices:
        if isinstance(item, dict):
            choice = {"value": str(item["value"]), "label": str(item.get("label",
                                                                        item["value"]))}
            if item.get("exclusive") is True:
                choice["exclusive"] = True
            out.append(choice)
        else:
            out.append({"value": str(item), "label": str(item)})
    return out


def is_mobile(value: str) -> bool:
    return bool(_MOBILE.match(value))


def clean_phone(value: str, *, mobile_only: bool = False) -> str:
    digits = re.sub(r"[\s()（）]", "", str(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    if _MOBILE.match(digits) or (not mobile_only and _LANDLINE.match(digits)):
        return digits
    raise FieldValueError(_("Enter a valid mainland China mobile number.") if mobile_only
                          else _("Enter a valid phone number (mobile, or landline with area "
                                 "code)."))


def clean_cn_id(value: str) -> str:
    compact = ric.compact(str(value)).upper()
    if len(compact) != 18 or not ric.is_valid(compact):
        raise FieldValueError(_("This is not a valid 18-digit resident ID number."))
    return compact


def clean_uscc(value: str) -> str:
    compact = uscc.compact(str(value)).upper()
    if not uscc.is_valid(compact):
        raise FieldValueError(_("This is not a valid unified social credit code."))
    return compact


def clean_value(spec: dict, value: Any, *, branch_codes: set[str] | None = None) -> Any:
    """Check and normalise one answer against its field `spec` (a profile field dict).
    Empty answers are the caller's business (required or not)."""
    kind = spec["type"]
    options = spec
    if kind in (FieldType.TEXT, FieldType.TEXTAREA, FieldType.RICHTEXT):
        text = str(value).strip()
        if kind == FieldType.RICHTEXT:
            text = sanitize_html(text)  # stored only as far as huiji.richtext allows
        limit = options.get("max_length") or DEFAULT_MAX_LENGTH[kind]
        if len(text) > limit:
            raise FieldValueError(_("At most %(n)d characters.") % {"n": limit})
        return text
    if kind == FieldType.DATE:
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise FieldValueError(_("Enter a date as YYYY-MM-DD.")) from exc
        for bound, message in (("min", _("The date is too early.")),
                               ("max", _("The date is too late."))):
            if options.get(bound):
                limit = dt.date.fromisoformat(str(options[bound]))
                if (bound == "min" and day < limit) or (bound == "max" and day > limit):
                    raise FieldValueError(message)
        if options.get("future") and day <= timezone.localdate():
            raise FieldValueError(_("The date must be later than today."))
        return day.isoformat()
    if kind == FieldType.NUMBER:
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise FieldValueError(_("Enter a number.")) from exc
        if not number.is_finite():  # NaN and Infinity parse, but are no answer
            raise FieldValueError(_("Enter a number."))
        if options.get("min") is not None and number < Decimal(str(options["min"])):
            raise FieldValueError(_("At least %(n)s.") % {"n": options["min"]})
        if options.get("max") is not None and number > Decimal(str(options["max"])):
            raise FieldValueError(_("At most %(n)s.") % {"n": options["max"]})
        return str(number)
    if kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
        if options.get("choices_from") == "branches":
            allowed = set(branch_codes or ())
        else:
            allowed = {c["value"] for c in normalize_choices(options.get("choices", []))}
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values]
        if kind == FieldType.CHOICE and len(values) != 1:
            raise FieldValueError(_("Choose one."))
        if any(v not in allowed for v in values):
            raise FieldValueError(_("Choose from the list."))
        if kind == FieldType.MULTICHOICE:
            if len(set(values)) != len(values):
                raise FieldValueError(_("Each choice can be picked once."))
            exclusive = [c for c in normalize_choices(options.get("choices", []))
                         if c.get("exclusive") and c["value"] in values]
            if exclusive and len(values) > 1:
                raise FieldValueError(_("“%(choice)s” cannot be chosen together with other "
                                        "options.") % {"choice": exclusive[0]["label"]})
            limit = options.get("max_choices")
            if limit and len(values) > limit:
                raise FieldValueError(_("Choose at most %(n)d.") % {"n": limit})
            return values
        return values[0]
    if kind == FieldType.REGION:
        province = str((value or {}).get("province", "")) if isinstance(value, dict) else ""
        city = str(value.get("city", "") or "") if isinstance(value, dict) else ""
        known = regions().get(province)
        if known is None:
            raise FieldValueError(_("Choose a province."))
        if city and city not in known["cities"]:
            raise FieldValueError(_("Choose a city of that province."))
        if not city and known["cities"] and options.get("city_required", True):
            raise FieldValueError(_("Choose a city."))
        return {"province": province, "city": city}
    if kind == FieldType.PHONE:
        return clean_phone(value, mobile_only=bool(options.get("mobile_only")))
    if kind == FieldType.EMAIL:
        email = str(value).strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise FieldValueError(_("Enter a valid email address.")) from exc
        return email
    if kind == FieldType.CN_ID:
        return clean_cn_id(value)
    if kind == FieldType.USCC:
        return clean_uscc(value)
    if kind == FieldType.POSTCODE:
        code = str(value).strip()
        if not _POSTCODE.match(code):
            raise FieldValueError(_("A postcode is 6 digits."))
        return code
    if kind == FieldType.URL:
        url = str(value).strip()
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise FieldValueError(_("Enter a web address starting with http:// or https://."))\
                from exc
        return url
    if kind == FieldType.IMAGE:
        return value  # a stored file reference; kind and size are checked at upload
    if kind == FieldType.GROUP:
        items = value if isinstance(value, list) else []
        low, high = options.get("min_items", 0), options.get("max_items")
        if len(items) < low:
            raise FieldValueError(_("Add at least %(n)d.") % {"n": low})
        if high and len(items) > high:
            raise FieldValueError(_("At most %(n)d entries.") % {"n": high})
        return items  # each item's sub-fields are checked by the form, with their own paths
    raise FieldValueError(_("Unknown field type."))
