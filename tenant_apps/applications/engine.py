"""The configured forms at work: which fields an application has (from its configuration
revision), and checking an applicant's answers against them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tenant_apps.configuration.fieldtypes import FieldValueError, clean_value
from tenant_apps.configuration.models import FieldType


@dataclass(frozen=True)
class FormStepSpec:
    index: int
    title: str
    fields: list[dict]


def type_document(revision_document: dict, code: str) -> dict:
    for mtype in revision_document.get("member_types", []):
        if mtype["code"] == code:
            return mtype
    raise KeyError(code)


def form_steps(type_doc: dict) -> list[FormStepSpec]:
    """The data steps of the wizard: the registration form's steps, then the application
    form's, numbered from 0."""
    steps = [*type_doc.get("registration_form", {}).get("steps", []),
             *type_doc.get("application_form", {}).get("steps", [])]
    return [FormStepSpec(i, s["title"], s["fields"]) for i, s in enumerate(steps)]


def prefill(type_doc: dict, account) -> dict:
    """The answers an application starts with: what the applicant gave at sign-up (name,
    phone, email) in the fields marked `from_account`, so nothing is typed twice. A value
    the field would refuse (a unit's login name longer than the field) is left to type."""
    answers = {}
    for step in form_steps(type_doc):
        for spec in step.fields:
            value = getattr(account, spec.get("from_account") or "", None)
            if not spec.get("from_account") or not value:
                continue
            try:
                answers[spec["key"]] = clean_value(spec, value)
            except FieldValueError:
                continue
    return answers


def answers_shown(type_doc: dict, answers: dict) -> dict:
    """The answers as the API returns them: rich text sanitised again (huiji.richtext), so
    an answer stored before sanitising, or by any other way in, never returns script."""
    from huiji.richtext import sanitize

    def walk(fields: list[dict], values: dict) -> dict:
        out = dict(values)
        for spec in fields:
            value = values.get(spec["key"])
            if spec["type"] == FieldType.RICHTEXT and isinstance(value, str):
                out[spec["key"]] = sanitize(value)
            elif spec["type"] == FieldType.GROUP and isinstance(value, list):
                out[spec["key"]] = [walk(spec["fields"], item) if isinstance(item, dict)
                                    else item for item in value]
        return out

    fields = [f for step in form_steps(type_doc) for f in step.fields]
    return walk(fields, answers if isinstance(answers, dict) else {})


def branch_codes(document: dict) -> set[str]:
    codes: set[str] = set()

    def walk(items):
        for item in items:
            codes.add(item["code"])
            walk(item.get("children", []))

    walk(document.get("branches", []))
    return codes


def _empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | dict):
        return not value or (isinstance(value, dict) and not any(value.values()))
    return False


def _has_null_character(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null_character(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_null_character(v) for v in value)
    return False


def check_answers(fields: list[dict], data: dict, *, branches: set[str], require: bool,
                  own_images: frozenset[str] | None = None) -> tuple[dict, dict[str, str]]:
    """(cleaned answers, errors by field key). With `require`, empty required fields are
    errors; without (a draft being saved), only the values given are checked. An image answer
    names a stored file; with `own_images` (the ids of the applicant's own stored images) it
    must be one of them, whatever the client sent."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for spec in fields:
        key = spec["key"]
        value = data.get(key)
        if spec["type"] == FieldType.GROUP:
            items = [item for item in (value or []) if isinstance(item, dict)
                     and not all(_empty(v) for v in item.values())]
            kept = []
            for i, item in enumerate(items):
                item_clean, item_errors = check_answers(spec["fields"], item, branches=branches,
                                                        require=True, own_images=own_images)
                for sub, message in item_errors.items():
                    errors[f"{key}.{i}.{sub}"] = message
                kept.append(item_clean)
            try:
                if require or kept:
                    clean_value(spec, kept)
            except FieldValueError as exc:
                errors[key] = str(exc)
            cleaned[key] = kept
            continue
        if _has_null_character(value):  # PostgreSQL stores no NUL in text or jsonb
            errors[key] = _("Null characters are not allowed.")
            continue
        if _empty(value):
            if require and spec.get("required"):
                errors[key] = _("This field is required.")
            continue
        if spec["type"] == FieldType.IMAGE and own_images is not None \
                and str(value) not in own_images:
            errors[key] = _("Upload the image again.")
            continue
        try:
            cleaned[key] = clean_value(spec, value, branch_codes=branches)
        except FieldValueError as exc:
            errors[key] = str(exc)
    return cleaned, errors


def receipt_answer(type_doc: dict, answers: dict, mark: str) -> str:
    """The answer of the field the profile marks `receipt: <mark>` (title: the name a unit's
    receipts are made out to; tax_id: its credit code), or "". One lookup for the staff
    lists' unit names and the receipt form."""
    for step in form_steps(type_doc):
        for spec in step.fields:
            value = answers.get(spec["key"])
            if spec.get("receipt") == mark and isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def unit_name_in(type_doc: dict, answers: dict) -> str:
    """A unit applicant's name as its forms ask for it: the field its receipts are made out
    to (`receipt: title`), else the first text answer of a unit type's forms (单位名称,
    企业中文全称 come first in every profile). Staff lists name the unit, not the phone or the
    person who filled the form in. Empty for individuals."""
    if type_doc.get("kind") != "unit":
        return ""
    title = receipt_answer(type_doc, answers, "title")
    if title:
        return title
    for step in form_steps(type_doc):
        for spec in step.fields:
            value = answers.get(spec["key"])
            if spec["type"] == "text" and isinstance(value, str) and value.strip():
                return value.strip()
    return ""
