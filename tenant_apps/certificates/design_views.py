"""The staff screen for the design of certificates and member cards (证书设计):
`/manage/certificates/design/` (HQ administrators: the configuration capability).

Choose a member type and a document, edit its page, background, seal and positioned items;
the preview (`design/preview/`) draws the submitted design with sample data as PNG, without
saving, and answers with the address of that image (`design/preview/<token>.png`, kept five
minutes for the person who asked); saving records a new configuration revision
(design.design_save). The form's names:
`page`, `issued`, `background` (file), `remove_background`, `seal` (file), `seal_x`,
`seal_y`, `seal_size`, `remove_seal`, and per item `f-<n>-field`, `f-<n>-x`, ... `f-<n>-delete`.
"""

from __future__ import annotations

import base64
import re
import secrets

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenant_apps.certificates import design as d
from tenant_apps.certificates.render import render_png
from tenant_apps.configuration.models import MemberType
from tenant_apps.configuration.profile import Checker, ProfileError
from tenant_apps.configuration.views.manage import SECTIONS
from tenant_apps.configuration.views.permissions import hq_admin_required

ITEM = re.compile(r"^f-(\d{1,3})-field$")
NUMBER_PARTS = ("x", "y", "size", "width", "height", "max_width", "spacing")
PART_LABELS = {
    "x": gettext_lazy("X (mm)"), "y": gettext_lazy("Y (mm)"),
    "size": gettext_lazy("Font size (pt)"), "width": gettext_lazy("Width (mm)"),
    "height": gettext_lazy("Height (mm)"), "max_width": gettext_lazy("Max width (mm)"),
    "spacing": gettext_lazy("Letter spacing (pt)"), "color": gettext_lazy("Colour"),
    "align": gettext_lazy("Alignment"), "text": gettext_lazy("Text"),
    "prefix": gettext_lazy("Prefix"), "field": gettext_lazy("Field"),
    "bold": gettext_lazy("Bold"), "page": gettext_lazy("Page size"),
    "background": gettext_lazy("Background image"), "image": gettext_lazy("Seal image"),
    "seal": gettext_lazy("Seal"),
}
MAX_UPLOAD = d.MAX_IMAGE_BYTES
PREVIEW_WIDTH = 1000


def _nav(request) -> list[dict]:
    here = reverse("certificates:design")
    out = []
    for name, label in SECTIONS:
        href = reverse(name)
        out.append({"href": href, "label": label,
                    "current": href == here if name == "certificates:design"
                    else request.path == href})
    return out


def _choice(request):
    """(member types, the chosen type, the chosen document) from ?type=&document=."""
    types = list(MemberType.objects.prefetch_related("ranks").order_by("position", "id"))
    source = request.POST if request.method == "POST" else request.GET
    mtype = next((t for t in types if t.code == source.get("type")), types[0] if types else None)
    kind = source.get("document") if source.get("document") in d.DOCUMENTS else "electronic"
    return types, mtype, kind


def _current(mtype, kind: str, sections: dict) -> tuple[dict, bool]:
    """The saved design of a document (or the default one) and whether the type issues it."""
    section = sections.get(mtype.code) or {}
    issued = {"electronic": mtype.electronic_certificate, "paper": mtype.paper_certificate,
              "card": bool(section.get("card"))}[kind]
    design = (section.get("designs") or {}).get(kind) or d.default_design(kind, mtype.kind)
    return design, issued


def _number(raw: str):
    raw = (raw or "").strip().replace(",", ".")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        return raw  # the check says what is wrong with it
    return int(value) if value.is_integer() else value


def _submitted(post, saved: dict) -> dict:
    """The design as the form submits it. Image names come from the saved design only."""
    items = []
    indexes = sorted(int(m.group(1)) for key in post if (m := ITEM.match(key)))
    for n in indexes:
        key = post.get(f"f-{n}-field", "")
        if not key or post.get(f"f-{n}-delete"):
            continue
        item: dict = {"field": key}
        for part in NUMBER_PARTS:
            if f"f-{n}-{part}" in post:
                value = _number(post.get(f"f-{n}-{part}"))
                if value is not None:
                    item[part] = value
        entry = d.CATALOGUE.get(key)
        if entry and entry.kind in ("text", "fixed"):
            item["align"] = post.get(f"f-{n}-align") or "left"
            item["color"] = post.get(f"f-{n}-color") or "#000000"
            item["bold"] = bool(post.get(f"f-{n}-bold"))
            if entry.kind == "fixed":
                item["text"] = post.get(f"f-{n}-text", "")
            else:
                item["prefix"] = post.get(f"f-{n}-prefix", "")
        if entry and entry.kind == "qr":
            item.pop("height", None)
        if entry and entry.kind in ("photo", "qr"):
            for part in ("size", "max_width", "spacing"):
                item.pop(part, None)
        else:
            item.pop("width", None)
            item.pop("height", None)
        items.append(item)
    design = {"page": post.get("page") or "", "background": saved.get("background") or "",
              "fields": items}
    seal = {"image": (saved.get("seal") or {}).get("image") or "",
            "x": _number(post.get("seal_x")), "y": _number(post.get("seal_y")),
            "size": _number(post.get("seal_size"))}
    design["seal"] = seal
    return design


def _upload(request, name: str) -> tuple[bytes | None, str | None]:
    """The bytes of an uploaded image, or a translated problem (checked by content)."""
    upload = request.FILES.get(name)
    if upload is None:
        return None, None
    if upload.size > MAX_UPLOAD:
        return None, _("is larger than 5 MB")
    data = upload.read()
    problem = d.image_problem(data)
    return (None, problem) if isinstance(problem, str) else (data, None)


def readable(path: str, rule: str, design: dict) -> str:
    """A problem as staff read it: 第 3 项（会员编号）X (mm)：…, never a document path."""
    m = re.search(r"fields\[(\d+)\](?:\.(\w+))?$", path)
    if m:
        n = int(m.group(1))
        items = design.get("fields") or []
        key = items[n].get("field") if n < len(items) else ""
        entry = d.CATALOGUE.get(key)
        part = PART_LABELS.get(m.group(2) or "", "")
        return _("Item %(n)d (%(field)s) %(part)s: %(rule)s") % {
            "n": n + 1, "field": entry.label if entry else key or "-", "part": part,
            "rule": rule}
    last = [p for p in path.split(".") if p][-1:] or [""]
    label = PART_LABELS.get(last[0])
    if "seal" in path and last[0] in ("x", "y", "size"):
        label = _("Seal %(part)s") % {"part": PART_LABELS.get(last[0], last[0]) if last[0]
                                      != "size" else _("diameter (mm)")}
    return _("%(place)s: %(rule)s") % {"place": label, "rule": rule} if label else str(rule)


def _prepare(request, mtype, kind: str, saved: dict):
    """(design to check, background bytes, seal bytes, problems) from a POST."""
    design = _submitted(request.POST, saved)
    background, bg_problem = _upload(request, "background")
    seal, seal_problem = _upload(request, "seal")
    problems = []
    if bg_problem:
        problems.append(_("%(place)s: %(rule)s") % {"place": PART_LABELS["background"],
                                                     "rule": bg_problem})
    if seal_problem:
        problems.append(_("%(place)s: %(rule)s") % {"place": PART_LABELS["image"],
                                                     "rule": seal_problem})
    remove_bg = bool(request.POST.get("remove_background"))
    remove_seal = bool(request.POST.get("remove_seal"))
    if remove_bg:
        design["background"] = ""
    seal_spec = design["seal"]
    if remove_seal or not (seal_spec["image"] or seal is not None or seal_problem):
        design.pop("seal")
    return design, background, seal, problems, remove_bg, remove_seal


@hq_admin_required
def design_edit(request):
    types, mtype, kind = _choice(request)
    if mtype is None:
        return render(request, "certificates/design/empty.html", {"nav": _nav(request)})
    sections = d.certificate_sections()
    saved, issued = _current(mtype, kind, sections)
    problems: list[str] = []
    design = saved
    if request.method == "POST":
        design, background, seal, problems, remove_bg, remove_seal = _prepare(
            request, mtype, kind, saved)
        if not problems:
            try:
                d.design_save(acting_user=request.user, member_type=mtype, kind=kind,
                              issued=bool(request.POST.get("issued")), design=design,
                              background=background, seal=seal,
                              remove_background=remove_bg, remove_seal=remove_seal)
            except ProfileError as exc:
                problems = [readable(p, r, design) for p, r in exc.problems]
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{reverse('certificates:design')}?"
                                f"{urlencode({'type': mtype.code, 'document': kind})}")
        issued = bool(request.POST.get("issued"))
    return render(request, "certificates/design/edit.html", {
        "nav": _nav(request), "types": types, "mtype": mtype, "kind": kind,
        "documents": [(k, d.DOCUMENT_LABELS[k]) for k in d.DOCUMENTS],
        "pages": [(k, d.PAGE_LABELS[k], *d.PAGES[k]) for k in d.PAGES],
        "page_size": d.PAGES.get(design.get("page"), d.PAGES["a4_landscape"]),
        "design": design, "issued": issued, "problems": problems,
        "rows": _rows(design, mtype.kind),
        "catalogue": [(k, e.label, e.kind) for k, e in d.CATALOGUE.items()
                      if (e.units if mtype.kind == "unit" else e.individuals)],
        "aligns": [("left", _("Left")), ("center", _("Centre")), ("right", _("Right"))],
        "has_background": bool(saved.get("background")),
        "has_seal": bool((saved.get("seal") or {}).get("image")),
    }, status=400 if problems else 200)


def _rows(design: dict, member_kind: str) -> list[dict]:
    rows = []
    for item in design.get("fields") or []:
        entry = d.CATALOGUE.get(item.get("field"))
        rows.append({**item, "kind": entry.kind if entry else "text"})
    rows.append({"field": "", "kind": "new", "x": "", "y": ""})  # one more, without script
    return rows


@require_POST
@hq_admin_required
def design_preview(request):
    """The submitted design drawn with sample data, as PNG; nothing is saved."""
    _types, mtype, kind = _choice(request)
    if mtype is None:
        return JsonResponse({"problems": [_("There is no member type yet.")]}, status=400)
    saved, _issued = _current(mtype, kind, d.certificate_sections())
    design, background, seal, problems, _bg, _seal = _prepare(request, mtype, kind, saved)
    # new images go in as the design's own data: checked and drawn, not stored
    if background is not None:
        design["background_data"] = base64.b64encode(background).decode("ascii")
    if seal is not None and design.get("seal"):
        design["seal"]["image_data"] = base64.b64encode(seal).decode("ascii")
    c = Checker()
    checked = d.design_checked(c, design, f"certificate.designs.{kind}",
                               member_kind=mtype.kind, base_dir=None, stored=True)
    problems += [readable(p, r, design) for p, r in c.problems]
    if problems:
        return JsonResponse({"problems": problems}, status=400)
    background, seal = d.design_images(checked)
    association = getattr(request, "tenant", None)
    fields = d.sample_fields(mtype, association=getattr(association, "name", "") or "")
    png = render_png(checked, fields, photo=None, qr_url=request.build_absolute_uri("/"),
                     background=background, seal=seal, width_px=PREVIEW_WIDTH)
    # Kept a few minutes for this person under a random name, and shown from a same-origin
    # address: the Content-Security-Policy lets pages show images from 'self' only.
    token = preview_keep(request.user.pk, png)
    return JsonResponse({"url": reverse("certificates:design-preview-image",
                                        args=[token])})


PREVIEW_SECONDS = 300


def _preview_key(user_pk: int, token: str) -> str:
    # the cache's key function adds the association's schema (django_tenants.cache.make_key)
    return f"certificate-design-preview:{user_pk}:{token}"


def preview_keep(user_pk: int, png: bytes) -> str:
    """Keep a preview for one person a few minutes; returns the random name it has."""
    token = secrets.token_urlsafe(12)
    cache.set(_preview_key(user_pk, token), png, PREVIEW_SECONDS)
    return token


@hq_admin_required
def design_preview_image(request, token: str):
    png = cache.get(_preview_key(request.user.pk, token))
    if png is None:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
