"""Turning configured fields into page rows, and posted values back into answers.

The wizard renders fields from their specs (applications/field.html), so the same code serves
every association's forms: text and numbers, choices (from a list or the branch tree),
province and city, repeating groups such as CACEM's liaisons, and image uploads such as
Jiangsu's logo."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiji import richtext
from tenant_apps.configuration.fieldtypes import normalize_choices, regions
from tenant_apps.files.formats import accepted_formats, formats_accept, formats_label


def region_data(fields: list[dict] | None = None) -> str:
    """The provinces and their cities as JSON for the page's city list (huiji.js fills the
    city select from the province chosen): a page with a region field carries it as
    <script type="application/json" id="region-data">. Given the page's `fields`, "" when
    none of them is a region."""
    import json

    if fields is not None and not any(f["type"] == "region" for f in fields):
        return ""
    return json.dumps({code: {"name": p["name"], "cities": list(p["cities"].items())}
                       for code, p in regions().items()}, ensure_ascii=False)


def _branch_choices(document: dict) -> list[dict]:
    out = []

    def walk(items, depth):
        for item in items:
            out.append({"value": item["code"], "label": ("　" * depth) + item["name"]})
            walk(item.get("children", []), depth + 1)

    walk(document.get("branches", []), 0)
    return out


def choices_of(spec: dict, document: dict) -> list[dict]:
    if spec.get("choices_from") == "branches":
        return _branch_choices(document)
    return normalize_choices(spec.get("choices", []))


def _display(spec: dict, value, choices: list[dict]) -> str:
    if value in (None, "", [], {}):
        return ""
    kind = spec["type"]
    labels = {c["value"]: c["label"].strip("　") for c in choices}
    if kind == "choice":
        return labels.get(value, value)
    if kind == "multichoice":
        return "、".join(labels.get(v, v) for v in value)
    if kind == "region":
        province = regions().get(value.get("province", ""), {})
        city = province.get("cities", {}).get(value.get("city", ""), "")
        return f"{province.get('name', '')} {city}".strip()
    if kind == "image":
        return _("(image uploaded)")
    return str(value)


def _file_id(value) -> str:
    try:
        return str(uuid.UUID(str(value))) if value else ""
    except ValueError:
        return ""


def field_rows(fields: list[dict], values: dict, errors: dict[str, str], *,
               application, prefix: str = "", document: dict | None = None) -> list[dict]:
    # `document`: the configuration whose branches a choice lists, where there is no
    # application (the council members' forms, tenant_apps/council_forms)
    document = document if document is not None else application.revision.document
    rows = []
    for spec in fields:
        key = spec["key"]
        value = values.get(key)
        choices = choices_of(spec, document) if spec["type"] in ("choice", "multichoice") \
            else []
        row = {"spec": spec, "name": f"{prefix}{key}", "value": value, "choices": choices,
               "error": errors.get(key), "display": _display(spec, value, choices)}
        row["text"] = row["display"]  # what the PDF prints (escaped by huiji.pdf)
        if spec["type"] == "richtext" and value:
            # pages show the formatting (sanitised again); the PDF prints its text
            row["display"], row["text"] = richtext.safe_html(value), richtext.plain_text(value)
        if spec["type"] == "group":
            items = list(value or [])
            count = max(spec.get("max_items") or 1, 1)
            roles = spec.get("item_roles") or []
            row["items"] = []
            for i in range(count):
                item = items[i] if i < len(items) else {}
                item_errors = {k.split(".", 2)[2]: v for k, v in errors.items()
                               if k.startswith(f"{key}.{i}.")}
                row["items"].append({
                    "role": roles[i] if i < len(roles) else _("Entry %(n)d") % {"n": i + 1},
                    "filled": bool(item),
                    "rows": field_rows(spec["fields"], item, item_errors,
                                       application=application, prefix=f"{key}-{i}-",
                                       document=document)})
        if spec["type"] == "image":
            # the stored file's id, for showing the picture itself (review page)
            row["image_id"] = _file_id(value)
            formats = accepted_formats(spec)
            row["accept"], row["formats"] = formats_accept(formats), formats_label(formats)
        if spec["type"] == "region":
            row["province"] = (value or {}).get("province", "")
            row["city"] = (value or {}).get("city", "")
            row["provinces"] = [(code, p["name"]) for code, p in regions().items()]
        rows.append(row)
    return rows


def answers_from_post(fields: list[dict], request, *, application, prefix: str = "",
                      errors: dict[str, str] | None = None, path: str = "") -> dict:
    """The posted values of a step, in the shape the engine checks. Images are stored (as
    the applicant's private files) and answered with the file's id. A refused image goes
    into `errors` (by field path) and keeps the answer it had, so the rest of what was
    typed is still saved and shown; without `errors` the refusal is raised."""
    from huiji.errors import AppError

    post = request.POST
    data: dict = {}
    for spec in fields:
        name = f"{prefix}{spec['key']}"
        kind = spec["type"]
        if kind == "multichoice":
            data[spec["key"]] = post.getlist(name)
        elif kind == "region":
            data[spec["key"]] = {"province": post.get(f"{name}_province", ""),
                                 "city": post.get(f"{name}_city", "")}
        elif kind == "group":
            items = []
            for i in range(max(spec.get("max_items") or 1, 1)):
                items.append(answers_from_post(spec["fields"], request,
                                               application=application,
                                               prefix=f"{spec['key']}-{i}-", errors=errors,
                                               path=f"{path}{spec['key']}.{i}."))
            data[spec["key"]] = items
        elif kind == "image":
            upload = request.FILES.get(name)
            kept = application.answers.get(spec["key"]) if not prefix \
                else post.get(f"{name}_kept", "")
            if upload is not None:
                try:
                    data[spec["key"]] = _store_image(spec, upload, application)
                except AppError as exc:
                    if errors is None or exc.field != spec["key"]:
                        raise
                    errors[f"{path}{spec['key']}"] = str(exc.message)
                    data[spec["key"]] = kept
            else:
                data[spec["key"]] = kept
        else:
            data[spec["key"]] = post.get(name, "").strip()
    return data


def _store_image(spec: dict, upload, application) -> str:
    from tenant_apps.applications.services import application_store_image

    return str(application_store_image(application=application, actor=application.applicant,
                                       field=spec["key"], uploaded=upload).public_id)


# --- request parameters (parsed with huiji.forms.parsed) ------------------------------------

class UploadRemoveForm(forms.Form):
    remove = forms.IntegerField(min_value=1, error_messages={
        "invalid": gettext_lazy("The file to remove is not valid."),
        "min_value": gettext_lazy("The file to remove is not valid.")})


class ReviewDecisionForm(forms.Form):
    decision = forms.CharField(required=False)
    # The step the reviewer saw: a decision on a step already passed is refused (409).
    position = forms.IntegerField(min_value=0, error_messages={
        "required": gettext_lazy("Reload the page: the review step is missing."),
        "invalid": gettext_lazy("Reload the page: the review step is not valid."),
        "min_value": gettext_lazy("Reload the page: the review step is not valid.")})
    reason = forms.CharField(required=False, strip=False)
