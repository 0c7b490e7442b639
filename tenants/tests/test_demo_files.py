"""The demo's drawn files: what a person walking the demo opens must be a real picture or PDF
(a 1-pixel image left the CMES certificates' 照片 box empty and the review queue's scans blank)."""

import io

import pypdfium2 as pdfium
from PIL import Image

from tenants import demo_files


def test_a_demo_portrait_is_a_one_inch_photo_on_blue():
    image = Image.open(io.BytesIO(demo_files.portrait(101)))
    assert image.size == (295, 413)
    assert image.convert("RGB").getpixel((5, 5)) == (63, 143, 214)
    # someone is in it: the middle of the photo is not the background
    assert image.convert("RGB").getpixel((147, 200)) != (63, 143, 214)


def test_a_demo_scan_is_a_form_with_the_applicants_name_as_png_or_pdf():
    png = Image.open(io.BytesIO(demo_files.scanned_form("入会申请表", "王伟")))
    assert png.format == "PNG" and png.size == (827, 1169)
    document = pdfium.PdfDocument(demo_files.scanned_form("入会申请表", "王伟", image=False))
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    document.close()
