"""Helpers for application tests: an applicant, and complete answers for any configured
form (so that tests walk each demo association's own chain)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from tenant_apps.accounts.services import user_create
from tenant_apps.applications.engine import form_steps
from tenant_apps.applications.services import (
    application_accept_notices,
    application_add_upload,
    application_save_step,
    type_doc,
)

VALID_USCC = "91110108MA01C7XK3" + uscc.calc_check_digit("91110108MA01C7XK3")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def applicant(n: int = 1, **kwargs):
    return user_create(acting_user=None, name=kwargs.pop("name", f"申请人{n}"),
                       phone=kwargs.pop("phone", f"1390000{n:04d}"),
                       email=kwargs.pop("email", f"applicant{n}@example.test"),
                       password="Qx-9876-passw0rd", **kwargs)


def sample_value(spec: dict, *, branch: str | None = None):
    kind = spec["type"]
    if kind == "group":
        return [{sub["key"]: sample_value(sub) for sub in spec["fields"]}]
    return {
        "text": "测试内容", "textarea": "测试内容", "richtext": "测试内容",
        "date": "2027-06-30", "number": "10", "region": {"province": "320000", "city": "320100"},
        "phone": "13912345678", "email": "someone@example.test",
        "cn_id": "11010519491231002X", "uscc": VALID_USCC, "postcode": "100000",
        "url": "https://example.test", "image": "uploaded-image",
        "choice": (branch if spec.get("choices_from") else
                   (spec.get("choices") or [{"value": "x"}])[0]["value"]),
        "multichoice": [branch] if spec.get("choices_from") else
        [(spec.get("choices") or [{"value": "x"}])[0]["value"]],
    }[kind]


def complete(application, *, uploads: bool = True) -> None:
    """Fill every step, accept the notices and upload every required file."""
    actor = application.applicant
    branch = _some_branch(application)
    for step in form_steps(type_doc(application)):
        data = {f["key"]: sample_value(f, branch=branch) for f in step.fields}
        _store_images(step.fields, data, actor)
        errors = application_save_step(application=application, actor=actor,
                                       step_index=step.index, data=data, finish=True)
        assert not errors, errors
    application_accept_notices(application=application, actor=actor)
    if uploads:
        for spec in type_doc(application)["uploads"]:
            if spec["required"]:
                kind = "image" if "image" in spec["kinds"] else spec["kinds"][0]
                content = PNG if kind == "image" else PDF
                name = "scan.png" if kind == "image" else "scan.pdf"
                application_add_upload(application=application, actor=actor,
                                       requirement=spec["key"],
                                       uploaded=SimpleUploadedFile(name, content))


def _store_images(fields: list[dict], data: dict, owner) -> None:
    """Image answers name the applicant's own stored image, as the wizard's upload makes."""
    from tenant_apps.files.services import private_file_store

    for spec in fields:
        if spec["type"] == "image":
            data[spec["key"]] = str(private_file_store(
                acting_user=owner, owner=owner, uploaded=upload("photo.png", PNG),
                content_type="image/png").public_id)
        elif spec["type"] == "group":
            for item in data[spec["key"]]:
                _store_images(spec["fields"], item, owner)


def _some_branch(application) -> str | None:
    branches = application.revision.document.get("branches") or []
    if not branches:
        return None
    children = branches[0].get("children") or []
    return (children[0] if children else branches[0])["code"]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def big(size: int) -> io.BytesIO:
    return io.BytesIO(PNG + b"\0" * size)


def pdf_text(content: bytes) -> str:
    """The text a reader of the PDF sees, page after page."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_images(content: bytes) -> list[str]:
    """The names of the image XObjects drawn on the PDF's pages."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        found += [name for name, ref in (xobjects.get_object() if xobjects else {}).items()
                  if ref.get_object().get("/Subtype") == "/Image"]
    return found
