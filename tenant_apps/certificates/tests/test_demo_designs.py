"""Every document a demo association issues renders from its profile: the member's name and
number are on it and its QR code reads back as the verification address."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from tenant_apps.certificates.design import DOCUMENTS, default_design, design_images
from tenant_apps.certificates.render import render_pdf, render_png
from tenant_apps.configuration.profile import load_profile_file

PROFILES = Path(__file__).resolve().parents[3] / "tenants" / "profiles"
URL = "https://demo.example.org/certificates/verify/K7QF2M9X"


def documents():
    for slug in ("cmes", "cacem", "caq", "jsgas", "generic"):
        profile = load_profile_file(PROFILES / f"{slug}.yaml", require_payment=False)
        for mtype in profile["member_types"]:
            for kind in DOCUMENTS:
                if mtype["certificate"][kind]:
                    yield pytest.param(profile, mtype, kind, id=f"{slug}-{mtype['code']}-{kind}")


@pytest.mark.parametrize(("profile", "mtype", "kind"), list(documents()))
def test_a_demo_document_shows_the_member_and_a_readable_qr(profile, mtype, kind):
    design = mtype["certificate"]["designs"].get(kind)
    assert design, "every document a demo type issues has a design of its own"
    background, seal = design_images(design)
    fields = {"association": profile["association"]["name"], "name": "张三丰",
              "number": "E010107413S", "type_rank": mtype["name"],
              "valid_until": "2026年12月31日", "certificate_number": "2026-000001",
              "issued_on": "2026年1月15日", "joined_on": "2024年7月2日",
              "verify_code": "K7QF-2M9X", "credit_code": "91320000134758297X"}
    pdf = render_pdf(design, fields, qr_url=URL, background=background, seal=seal)
    document = pdfium.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert "张三丰" in text and "E010107413S" in text
    png = render_png(design, fields, qr_url=URL, background=background, seal=seal,
                     width_px=1200 if design["page"] != "card" else 700)
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [URL]


def test_a_type_without_a_design_gets_a_plain_one_that_reads_too():
    for kind, member_kind in (("electronic", "unit"), ("card", "individual")):
        design = default_design(kind, member_kind)
        png = render_png(design, {"name": "某某有限公司", "number": "M000001"}, qr_url=URL)
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [URL]
