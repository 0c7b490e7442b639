"""The design of a member type's documents (电子证书, 纸质证书, 会员卡), as configuration.

A member type's `certificate:` section of the profile (docs/certificate-design.md) says which
documents its members get and how each looks: the page or card size, a background image, the
association's seal, and positioned items chosen from `CATALOGUE`. `profile.py` validates it
(with `design_checked` below); it is part of the profile document, so it is exported and
imported with the profile.

Where it is kept: `electronic` and `paper` are columns of MemberType (the type screen edits
them); `card` and the `designs` live in the configuration revisions (every revision carries the
whole profile document; `certificate_sections` reads the newest one, and each new revision
carries them on). Images are stored once by their content (`certificate-designs/<sha256>.png`
in the association's private storage); a design names them, an exported profile carries their
bytes (`background_data`, `seal.image_data`) like an upload's blank form.

Reads: `certificate_sections`, `documents_for`, `design_for`, `design_images`,
`sample_fields`, `format_date`.
Writes: `designs_store` (a profile's images, before its revision), `design_save` (the staff
design screen)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DOCUMENTS = ("electronic", "paper", "card")
DOCUMENT_LABELS = {"electronic": gettext_lazy("Electronic certificate"),
                   "paper": gettext_lazy("Paper certificate"),
                   "card": gettext_lazy("Member card")}

# page code -> (width mm, height mm)
PAGES: dict[str, tuple[float, float]] = {
    "a4_landscape": (297.0, 210.0),
    "a4_portrait": (210.0, 297.0),
    "a5_landscape": (210.0, 148.0),
    "a5_portrait": (148.0, 210.0),
    "card": (85.6, 54.0),
}
PAGE_LABELS = {"a4_landscape": gettext_lazy("A4 landscape"),
               "a4_portrait": gettext_lazy("A4 portrait"),
               "a5_landscape": gettext_lazy("A5 landscape"),
               "a5_portrait": gettext_lazy("A5 portrait"),
               "card": gettext_lazy("Card 85.6 x 54 mm")}
ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Entry:
    label: Any  # what staff read
    kind: str  # text | photo | qr | fixed
    units: bool = True  # may appear on a unit's document
    individuals: bool = True


# The fields a design may place. To add one: an entry here, its sample in `sample_fields`,
# and the value in what the certificates app passes to render (docs/certificate-design.md).
CATALOGUE: dict[str, Entry] = {
    "association": Entry(gettext_lazy("Association name"), "text"),
    "name": Entry(gettext_lazy("Member name or unit name"), "text"),
    "number": Entry(gettext_lazy("Member number"), "text"),
    "type_rank": Entry(gettext_lazy("Member type and rank"), "text"),
    "joined_on": Entry(gettext_lazy("Member since"), "text"),
    "valid_until": Entry(gettext_lazy("Valid until"), "text"),
    "certificate_number": Entry(gettext_lazy("Certificate number"), "text"),
    "issued_on": Entry(gettext_lazy("Date of issue"), "text"),
    "credit_code": Entry(gettext_lazy("Unified social credit code"), "text",
                         individuals=False),
    "verify_code": Entry(gettext_lazy("Certificate lookup code"), "text"),
    "photo": Entry(gettext_lazy("Photo"), "photo", units=False),
    "qr": Entry(gettext_lazy("QR code"), "qr"),
    "text": Entry(gettext_lazy("Fixed text"), "fixed"),
}
TEXT_FIELDS = tuple(k for k, e in CATALOGUE.items() if e.kind == "text")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
STORED_IMAGE = re.compile(r"^[0-9a-f]{64}\.(png|jpg)$")
IMAGE_FOLDER = "certificate-designs"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 300 dpi A4 page is 8.7 million
MAX_ITEMS = 40


# --- checking (used by tenant_apps.configuration.profile) ---------------------------------

def image_problem(data: bytes) -> tuple[str, str] | str:
    """(format, extension) of a PNG or JPEG image, or what is wrong with it (translated)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        return _("is larger than 5 MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return _("has too many pixels (at most 40 million)")
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _("is not a PNG or JPEG image")
    if fmt == "PNG":
        return ("PNG", "png")
    if fmt == "JPEG":
        return ("JPEG", "jpg")
    return _("is not a PNG or JPEG image")


def _image(c, raw_name: Any, raw_data: Any, q: str, data_key: str, base_dir: Path | None,
           stored: bool) -> dict:
    """An image of a design: {"image": name, "data": base64} (data empty for a stored one)."""
    if raw_name in (None, "") and raw_data in (None, ""):
        return {"image": "", "data": ""}
    name = raw_name if isinstance(raw_name, str) else ""
    if raw_data not in (None, ""):
        try:
            data = base64.b64decode(str(raw_data), validate=True)
        except (binascii.Error, ValueError):
            c.fail(f"{q}_data" if data_key == "background_data" else f"{q}.image_data",
                   _("must be base64"))
            return {"image": name, "data": ""}
    elif stored:
        if not STORED_IMAGE.match(name):
            c.fail(q, _("must name a stored image (its SHA-256 and .png or .jpg)"))
        return {"image": name, "data": ""}
    else:
        path = (base_dir / name).resolve() if base_dir and name else None
        if path is None or not path.is_file() or base_dir.resolve() not in path.parents:
            c.fail(q, _("names no image file next to the profile (or give %(key)s)")
                   % {"key": data_key})
            return {"image": name, "data": ""}
        data = path.read_bytes()
    checked = image_problem(data)
    if isinstance(checked, str):
        c.fail(q, checked)
        return {"image": name, "data": ""}
    return {"image": Path(name).name or f"image.{checked[1]}",
            "data": base64.b64encode(data).decode("ascii")}


def _number(c, value: Any, q: str, low: float, high: float, *, required: bool = True,
            default: float | None = None) -> float | None:
    if value is None:
        if required and default is None:
            c.fail(q, _("is required"))
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        c.fail(q, _("must be a number from %(low)s to %(high)s") % {"low": _n(low),
                                                                     "high": _n(high)})
        return default
    return round(float(value), 2)


def _n(x: float) -> str:
    return f"{x:g}"


def design_checked(c, raw: Any, p: str, *, member_kind: str, base_dir: Path | None,
                   stored: bool) -> dict:
    """One document's design, normalised; problems go to the checker `c` with their path.
    `stored`: a revision's snapshot, whose images are names in storage (no bytes)."""
    design = c.mapping(raw, p, {"page", "background", "background_data", "seal", "fields"},
                       required={"page"})
    page = c.choice(design.get("page"), f"{p}.page", PAGES, default=None) \
        if design.get("page") is not None else ""
    width, height = PAGES.get(page, (297.0, 297.0))
    background = _image(c, design.get("background"), design.get("background_data"),
                        f"{p}.background", "background_data", base_dir, stored)
    out: dict[str, Any] = {"page": page, "background": background["image"]}
    if background["data"]:
        out["background_data"] = background["data"]
    seal_raw = design.get("seal")
    if seal_raw not in (None, {}):
        q = f"{p}.seal"
        seal = c.mapping(seal_raw, q, {"image", "image_data", "x", "y", "size"},
                         required={"x", "y", "size"})
        if not seal.get("image") and not seal.get("image_data"):
            c.fail(f"{q}.image", _("is required"))
        image = _image(c, seal.get("image"), seal.get("image_data"), f"{q}.image",
                       "image_data", base_dir, stored) if seal.get("image") or \
            seal.get("image_data") else {"image": "", "data": ""}
        out["seal"] = {"image": image["image"],
                       "x": _number(c, seal.get("x"), f"{q}.x", 0, width),
                       "y": _number(c, seal.get("y"), f"{q}.y", 0, height),
                       "size": _number(c, seal.get("size"), f"{q}.size", 5, 120)}
        if image["data"]:
            out["seal"]["image_data"] = image["data"]
    items = c.listing(design.get("fields"), f"{p}.fields")
    if len(items) > MAX_ITEMS:
        c.fail(f"{p}.fields", _("must have at most %(n)d items") % {"n": MAX_ITEMS})
    out["fields"] = [_item(c, raw_item, f"{p}.fields[{j}]", width, height, member_kind)
                     for j, raw_item in enumerate(items[:MAX_ITEMS])]
    return out


TEXT_KEYS = {"field", "x", "y", "size", "align", "color", "max_width", "bold", "spacing"}


def _item(c, raw: Any, q: str, width: float, height: float, member_kind: str) -> dict:
    key = raw.get("field") if isinstance(raw, dict) else None
    entry = CATALOGUE.get(key) if isinstance(key, str) else None
    if entry is None:
        c.mapping(raw, q, set(raw) if isinstance(raw, dict) else set())
        c.fail(f"{q}.field", _("must be one of: %(allowed)s") % {"allowed": ", ".join(CATALOGUE)})
        return {"field": ""}
    if entry.kind == "photo":
        allowed = {"field", "x", "y", "width", "height"}
    elif entry.kind == "qr":
        allowed = {"field", "x", "y", "width"}
    elif entry.kind == "fixed":
        allowed = TEXT_KEYS | {"text"}
    else:
        allowed = TEXT_KEYS | {"prefix"}
    item = c.mapping(raw, q, allowed, required={"x", "y"})
    if member_kind == "unit" and not entry.units:
        c.fail(f"{q}.field", _("a unit's document has no %(field)s") % {"field": entry.label})
    if member_kind == "individual" and not entry.individuals:
        c.fail(f"{q}.field", _("an individual's document has no %(field)s")
               % {"field": entry.label})
    out: dict[str, Any] = {"field": key,
                           "x": _number(c, item.get("x"), f"{q}.x", 0, width),
                           "y": _number(c, item.get("y"), f"{q}.y", 0, height)}
    if entry.kind == "photo":
        out["width"] = _number(c, item.get("width"), f"{q}.width", 5, 100, default=25.0)
        out["height"] = _number(c, item.get("height"), f"{q}.height", 5, 140, default=35.0)
        return out
    if entry.kind == "qr":
        out["width"] = _number(c, item.get("width"), f"{q}.width", 8, 100, default=25.0)
        return out
    if entry.kind == "fixed":
        out["text"] = c.text(item.get("text"), f"{q}.text", required=True, max_length=300)
        for name in PLACEHOLDER.findall(out["text"]):
            if name not in TEXT_FIELDS:
                c.fail(f"{q}.text", _("uses {%(name)s}, which is not a field; it may use: "
                                      "%(known)s") % {"name": name, "known": ", ".join(
                                          f"{{{k}}}" for k in TEXT_FIELDS)})
        if "{" in PLACEHOLDER.sub("", out["text"]) or "}" in PLACEHOLDER.sub("", out["text"]):
            c.fail(f"{q}.text", _("has a { or } that is not around a field name"))
    else:
        out["prefix"] = c.text(item.get("prefix"), f"{q}.prefix", max_length=40)
    out["size"] = _number(c, item.get("size"), f"{q}.size", 4, 96, default=12.0)
    out["align"] = c.choice(item.get("align"), f"{q}.align", ALIGNS, default="left")
    color = item.get("color", "#000000")
    if not isinstance(color, str) or not COLOUR.match(color):
        c.fail(f"{q}.color", _("must be a colour written #RRGGBB"))
        color = "#000000"
    out["color"] = color.lower()
    out["max_width"] = _number(c, item.get("max_width"), f"{q}.max_width", 5, 400,
                               required=False)
    out["bold"] = c.boolean(item.get("bold"), f"{q}.bold", False)
    out["spacing"] = _number(c, item.get("spacing"), f"{q}.spacing", 0, 40, default=0.0)
    return out


def certificate_checked(c, raw: Any, p: str, *, member_kind: str, base_dir: Path | None,
                        stored: bool) -> dict:
    """A member type's `certificate:` section: which documents (electronic, paper, card: true
    or false) and their `designs` by document. Old profiles (electronic/paper only) stay
    valid; a document without a design is drawn with `default_design`."""
    section = c.mapping(raw or {}, p, {"electronic", "paper", "card", "designs"})
    out: dict[str, Any] = {
        "electronic": c.boolean(section.get("electronic"), f"{p}.electronic", True),
        "paper": c.boolean(section.get("paper"), f"{p}.paper", False),
        "card": c.boolean(section.get("card"), f"{p}.card", False),
    }
    designs = c.mapping(section.get("designs") or {}, f"{p}.designs", set(DOCUMENTS))
    out["designs"] = {kind: design_checked(c, designs[kind], f"{p}.designs.{kind}",
                                           member_kind=member_kind, base_dir=base_dir,
                                           stored=stored)
                      for kind in DOCUMENTS if kind in designs}
    return out


# --- reads -------------------------------------------------------------------------------

def certificate_sections() -> dict[str, dict]:
    """Each member type's `certificate:` section (by code) as the newest configuration
    revision holds it; {} before the first revision."""
    from tenant_apps.configuration.models import ConfigurationRevision

    document = ConfigurationRevision.objects.order_by("-number") \
        .values_list("document", flat=True).first() or {}
    return {t.get("code"): t.get("certificate") or {}
            for t in document.get("member_types", []) if isinstance(t, dict)}


def default_design(kind: str, member_kind: str) -> dict:
    """A plain design for a document a type issues without a design of its own."""
    if kind == "card":
        return {"page": "card", "background": "", "fields": [
            _t("association", 6, 9, 9, bold=True),
            _t("name", 6, 24, 11, bold=True, max_width=52),
            _t("number", 6, 32, 7, prefix=_("No. ")),
            _t("type_rank", 6, 39, 7, max_width=52),
            _t("valid_until", 6, 46, 7, prefix=_("Valid until ")),
            {"field": "qr", "x": 62, "y": 28, "width": 18}]}
    fields = [
        _t("association", 148.5, 45, 22, align="center", bold=True),
        {**_t("text", 148.5, 70, 30, align="center", bold=True, spacing=8),
         "text": _("Certificate of membership")},
        _t("name", 148.5, 100, 20, align="center", max_width=200),
        _t("type_rank", 148.5, 115, 14, align="center", max_width=200),
        _t("number", 60, 150, 11, prefix=_("Member number: ")),
        _t("valid_until", 60, 160, 11, prefix=_("Valid until: ")),
        _t("certificate_number", 60, 170, 11, prefix=_("Certificate number: ")),
        {"field": "qr", "x": 215, "y": 140, "width": 30},
    ]
    return {"page": "a4_landscape", "background": "", "fields": fields}


def _t(field: str, x: float, y: float, size: float, **extra) -> dict:
    out = {"field": field, "x": float(x), "y": float(y), "size": float(size), "align": "left",
           "color": "#000000", "max_width": None, "bold": False, "spacing": 0.0}
    if field != "text":
        out["prefix"] = ""
    out.update(extra)
    return out


def documents_for(member_type, *, sections: dict | None = None) -> dict[str, dict]:
    """The documents a member type issues, each with its design (its own or the default),
    in the order electronic, paper, card. `sections`: `certificate_sections()` when the
    caller already has it (it costs one query)."""
    sections = certificate_sections() if sections is None else sections
    section = sections.get(member_type.code) or {}
    issued = {"electronic": member_type.electronic_certificate,
              "paper": member_type.paper_certificate, "card": bool(section.get("card"))}
    designs = section.get("designs") or {}
    return {kind: designs.get(kind) or default_design(kind, member_type.kind)
            for kind in DOCUMENTS if issued[kind]}


def design_for(member_type_code: str, kind: str, *,
               sections: dict | None = None) -> dict | None:
    """The design of a document of a member type, or None when the type does not issue it."""
    from tenant_apps.configuration.models import MemberType

    mtype = MemberType.objects.filter(code=member_type_code).first()
    if mtype is None:
        return None
    return documents_for(mtype, sections=sections).get(kind)


def design_image(name: str) -> bytes | None:
    """The bytes of a stored design image (a background or seal), None when absent."""
    if not name or not STORED_IMAGE.match(name):
        return None
    try:
        with default_storage.open(f"{IMAGE_FOLDER}/{name}", "rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def format_date(day: dt.date | None) -> str:
    """A date as certificates write it: 2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def sample_fields(member_type, *, association: str) -> dict[str, str]:
    """Sample values of every catalogue field for a member type (the design screen's
    preview)."""
    today = dt.date.today()
    unit = member_type.kind == "unit"
    rank = member_type.ranks.first()
    return {
        "association": association,
        "name": _("Sample Machinery Co., Ltd.") if unit else _("Zhang San"),
        "number": member_type.format_number(107413),
        "type_rank": f"{member_type.name} · {rank.name}" if rank else member_type.name,
        "joined_on": format_date(today.replace(month=1, day=15)),
        "valid_until": format_date(dt.date(today.year, 12, 31)),
        "certificate_number": f"{today.year}-{member_type.format_number(107413)}-01",
        "issued_on": format_date(today),
        "credit_code": "91320000134758297X" if unit else "",
        "verify_code": "K7QF-2M9X",
    }


def design_images(design: dict) -> tuple[bytes | None, bytes | None]:
    """(background, seal) bytes of a design, from storage or from the design's own data."""
    def one(name: str, data: str | None) -> bytes | None:
        if data:
            return base64.b64decode(data)
        return design_image(name)

    seal = design.get("seal") or {}
    return (one(design.get("background") or "", design.get("background_data")),
            one(seal.get("image") or "", seal.get("image_data")) if seal else None)


# --- writes ------------------------------------------------------------------------------

def image_store(data: bytes) -> str:
    """Store a checked design image by its content; returns its stored name."""
    checked = image_problem(data)
    if isinstance(checked, str):
        raise ValueError(checked)
    name = f"{hashlib.sha256(data).hexdigest()}.{checked[1]}"
    path = f"{IMAGE_FOLDER}/{name}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return name


def section_stored(section: dict) -> dict:
    """A checked `certificate:` section with its images' bytes stored and replaced by their
    stored names (what a revision keeps)."""
    out = {k: v for k, v in section.items() if k != "designs"}
    out["designs"] = {}
    for kind, design in (section.get("designs") or {}).items():
        design = dict(design)
        data = design.pop("background_data", "")
        if data:
            design["background"] = image_store(base64.b64decode(data))
        if design.get("seal"):
            seal = dict(design["seal"])
            data = seal.pop("image_data", "")
            if data:
                seal["image"] = image_store(base64.b64decode(data))
            design["seal"] = seal
        out["designs"][kind] = design
    return out


def designs_store(document: dict) -> dict[str, dict]:
    """The `certificate:` sections of a validated profile document, by type code, images
    stored (called by profile_apply before it records the revision)."""
    return {t["code"]: section_stored(t["certificate"]) for t in document["member_types"]}


def section_exported(section: dict) -> dict:
    """A stored section with its images' bytes again (an exported profile file)."""
    out = {k: v for k, v in section.items() if k != "designs"}
    out["designs"] = {}
    for kind, design in (section.get("designs") or {}).items():
        design = dict(design)
        background, seal = design_images(design)
        if background:
            design["background_data"] = base64.b64encode(background).decode("ascii")
        if seal:
            design["seal"] = {**design["seal"],
                              "image_data": base64.b64encode(seal).decode("ascii")}
        out["designs"][kind] = design
    return out


@transaction.atomic
def design_save(*, acting_user, member_type, kind: str, issued: bool, design: dict,
                background: bytes | None = None, seal: bytes | None = None,
                remove_background: bool = False, remove_seal: bool = False):
    """Save one document's design of a member type from the design screen, as a new
    configuration revision. `design` is the submitted design (checked here like a profile's,
    images by name); new `background`/`seal` bytes replace the named ones. Raises
    ProfileError with every problem, saving nothing."""
    from huiji.audit.services import audit_record
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.configuration.profile import Checker, ProfileError
    from tenant_apps.configuration.services import revision_record

    c = Checker()
    p = f"certificate.designs.{kind}"
    design = dict(design)
    if remove_background:
        design["background"] = ""
    if background is not None:
        problem = image_problem(background)
        if isinstance(problem, str):
            c.fail(f"{p}.background", problem)
        else:
            design["background"] = image_store(background)
    if design.get("seal"):
        design["seal"] = dict(design["seal"])
        if remove_seal:
            design.pop("seal")
        elif seal is not None:
            problem = image_problem(seal)
            if isinstance(problem, str):
                c.fail(f"{p}.seal.image", problem)
            else:
                design["seal"]["image"] = image_store(seal)
    checked = design_checked(c, design, p, member_kind=member_type.kind, base_dir=None,
                             stored=True)
    if kind not in DOCUMENTS:
        c.fail("certificate", _("is not a document a member type issues"))
    if c.problems:
        raise ProfileError(_("design"), c.problems)
    from tenant_apps.configuration.models import ConfigurationRevision

    # the newest revision locked before its designs are read (revision_record locks it too)
    list(ConfigurationRevision.objects.select_for_update().order_by("-number")[:1])
    member_type = MemberType.objects.select_for_update().get(pk=member_type.pk)
    sections = certificate_sections()
    before = sections.get(member_type.code) or {}
    section = {"electronic": member_type.electronic_certificate,
               "paper": member_type.paper_certificate,
               "card": bool(before.get("card")),
               "designs": dict(before.get("designs") or {})}
    section[kind] = issued
    section["designs"][kind] = checked
    if kind in ("electronic", "paper"):
        setattr(member_type, f"{kind}_certificate", issued)
        member_type.save(update_fields=[f"{kind}_certificate"])
    sections[member_type.code] = section
    revision = revision_record(
        acting_user=acting_user, certificates=sections,
        summary=_("Design of the %(document)s of %(type)s changed")
        % {"document": DOCUMENT_LABELS[kind], "type": member_type.name})
    audit_record(actor=acting_user, action="certificate.design_changed", target=member_type,
                 data={"document": kind, "before": (before.get("designs") or {}).get(kind),
                       "after": checked, "revision": revision.number})
    return revision
