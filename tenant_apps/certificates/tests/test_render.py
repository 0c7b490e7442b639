"""Certificates drawn from a design: the text a PDF reader finds, the QR code a phone reads,
hostile text drawn as typed, long text kept inside its width."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from tenant_apps.certificates.render import render_pdf, render_png

DESIGN = {"page": "a4_landscape", "background": "", "fields": [
    {"field": "text", "text": "会员证书", "x": 148.5, "y": 50, "size": 36, "align": "center",
     "color": "#1f3e78", "max_width": None, "bold": True, "spacing": 10.0},
    {"field": "text", "text": "兹确认 {name} 为本会{type_rank}。", "x": 40, "y": 90,
     "size": 16, "align": "left", "color": "#222222", "max_width": None, "bold": False,
     "spacing": 0.0},
    {"field": "number", "prefix": "会员编号：", "x": 40, "y": 110, "size": 12, "align": "left",
     "color": "#333333", "max_width": None, "bold": False, "spacing": 0.0},
    {"field": "credit_code", "prefix": "统一社会信用代码：", "x": 40, "y": 120, "size": 12,
     "align": "left", "color": "#333333", "max_width": None, "bold": False, "spacing": 0.0},
    {"field": "photo", "x": 240, "y": 60, "width": 30, "height": 40},
    {"field": "qr", "x": 240, "y": 130, "width": 30},
]}
FIELDS = {"name": "张三", "type_rank": "高级会员", "number": "E010107413S"}
URL = "https://cmes.example.org/certificates/verify/K7QF2M9X"


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_the_pdf_says_what_the_certificate_claims():
    data = render_pdf(DESIGN, FIELDS, qr_url=URL)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "会员证书" in text
    assert "兹确认 张三 为本会高级会员。" in text
    assert "会员编号：E010107413S" in text
    # no credit code given: the line and its prefix are left out
    assert "统一社会信用代码" not in text
    document = pdfium.PdfDocument(data)
    width, height = document[0].get_size()
    document.close()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)


def test_the_qr_code_read_from_the_image_is_the_verification_address():
    png = render_png(DESIGN, FIELDS, qr_url=URL, width_px=1200)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 849)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [URL]


def test_a_card_reads_its_qr_code_on_a_phone_sized_image():
    card = {"page": "card", "background": "", "fields": [
        {"field": "name", "prefix": "", "x": 5, "y": 20, "size": 12, "align": "left",
         "color": "#000000", "max_width": 50, "bold": True, "spacing": 0.0},
        {"field": "qr", "x": 62, "y": 16, "width": 19}]}
    png = render_png(card, FIELDS, qr_url=URL, width_px=700)
    image = Image.open(io.BytesIO(png))
    assert image.size == (700, 442)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [URL]


def test_hostile_text_is_drawn_literally():
    hostile = {"name": '<b>张三</b> & <img src="/etc/passwd"/>', "type_rank": "<font size=99>",
               "number": "&amp;"}
    text = pdf_text(render_pdf(DESIGN, hostile, qr_url=URL))
    assert '兹确认 <b>张三</b> & <img src="/etc/passwd"/> 为本会<font size=99>。' in text
    assert "会员编号：&amp;" in text


def test_a_long_name_shrinks_to_its_width_and_never_overflows():
    design = {"page": "a4_landscape", "background": "", "fields": [
        {"field": "name", "prefix": "", "x": 148.5, "y": 100, "size": 24, "align": "center",
         "color": "#000000", "max_width": 80, "bold": False, "spacing": 0.0}]}
    name = "江苏省某某燃气热力工程技术股份有限公司南京分公司第一工程处"
    document = pdfium.PdfDocument(render_pdf(design, {"name": name}))
    page = document[0]
    textpage = page.get_textpage()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
    left = min(b[0] for b in boxes) / 72 * 25.4
    right = max(b[2] for b in boxes) / 72 * 25.4
    document.close()
    # centred on 148.5 mm, within 108.5 .. 188.5 mm (80 mm wide)
    assert left >= 108.5 and right <= 188.5
    assert right - left > 70  # shrunk to fit, not to nothing


def test_a_missing_photo_leaves_a_marked_box_and_no_qr_without_an_address():
    png = render_png(DESIGN, FIELDS, qr_url=None, width_px=800)
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) == []
    assert "照片" in pdf_text(render_pdf(DESIGN, FIELDS))


def test_a_text_without_a_max_width_still_stays_on_the_page():
    design = {"page": "card", "background": "", "fields": [
        {"field": "name", "prefix": "", "x": 40, "y": 20, "size": 14, "align": "left",
         "color": "#000000", "max_width": None, "bold": True, "spacing": 0.0}]}
    document = pdfium.PdfDocument(render_pdf(design, {"name": "中国某某重型机械制造集团有限公司"}))
    textpage = document[0].get_textpage()
    right = max(textpage.get_charbox(i)[2] for i in range(textpage.count_chars())) / 72 * 25.4
    document.close()
    assert right <= 85.6 - 2


def _noise(size: tuple[int, int]) -> bytes:
    """A background that does not compress: its weight shows how often it is stored."""
    import os

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_book_of_many_certificates_stores_their_background_once():
    from tenant_apps.certificates.render import Book

    background = _noise((600, 424))
    one = render_pdf(DESIGN, FIELDS, background=background)
    book = Book()
    names = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"]
    for name in names:
        book.page(DESIGN, {**FIELDS, "name": name}, background=background, qr_url=URL)
    data = book.finish()
    document = pdfium.PdfDocument(data)
    assert len(document) == 8
    assert "兹确认 王五 为本会高级会员。" in document[2].get_textpage().get_text_range()
    document.close()
    # eight pages weigh about one background (760 kB of noise), not eight
    assert len(one) > 700_000
    assert len(data) < 1.2 * len(one), (len(data), len(one))


def test_a_book_takes_each_page_at_its_own_size():
    from tenant_apps.certificates.render import Book

    book = Book()
    book.page(DESIGN, FIELDS)
    book.page({**DESIGN, "page": "card"}, FIELDS)
    document = pdfium.PdfDocument(book.finish())
    sizes = [tuple(round(v / 72 * 25.4, 1) for v in page.get_size()) for page in document]
    assert sizes == [(297.0, 210.0), (85.6, 54.0)]
