"""Drawing a certificate (PLACEHOLDER until the designs land: the association's design, its
background and seal are not drawn yet). `render_pdf` draws the fields as lines of text, the
photo and the QR code on an A4 page (a card: a card-sized page) with the embedded CJK font;
`render_png` the same as an image for phones. `fields` by the designs' catalogue keys;
`design` here only says the kind and whether the member is a unit. Text is drawn with
`drawString` (no markup is read), the photo from the member's own stored upload's bytes."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

KIND_TITLES = {"electronic": "会员证书", "paper": "会员证书", "card": "会员卡"}


def _lines(design: dict, fields: dict) -> list[tuple[str, str]]:
    rows = [(_("Unit name") if design.get("unit") else _("Name"), fields.get("name", "")),
            (_("Member number"), fields.get("number", "")),
            (_("Member type"), fields.get("type_rank", "")),
            (pgettext("certificate", "Joined"), fields.get("joined_on", "")),
            (_("Valid until"), fields.get("valid_until", "")),
            (_("Unified social credit code"), fields.get("credit_code", "")),
            (_("Certificate number"), fields.get("certificate_number", "")),
            (pgettext("certificate", "Verification code"), fields.get("verify_code", ""))]
    return [(label, str(value)) for label, value in rows if value]


def _photo(photo: bytes | None):
    """The member's photo as an RGB image, or None (none, or a file that does not decode:
    the certificate is drawn without it rather than not at all)."""
    if not photo:
        return None
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(photo))
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return image.convert("RGB")


def _qr_image(url: str):
    import qrcode

    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def render_pdf(design: dict, fields: dict, *, photo: bytes | None = None,
               qr_url: str | None = None, background: bytes | None = None,
               seal: bytes | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from huiji.pdf import cjk_font

    font = cjk_font()
    card = design.get("kind") == "card"
    size = (85.6 * mm, 54 * mm) if card else landscape(A4)
    width, height = size
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=size)
    pdf.setTitle(f"{fields.get('association', '')} {fields.get('certificate_number', '')}")
    scale = 0.3 if card else 1.0
    pdf.setFont(font, 26 * scale)
    pdf.drawCentredString(width / 2, height - 30 * mm * scale,
                          f"{fields.get('association', '')}")
    pdf.setFont(font, 34 * scale)
    pdf.drawCentredString(width / 2, height - 48 * mm * scale,
                          KIND_TITLES.get(design.get("kind"), "会员证书"))
    y = height - 70 * mm * scale
    pdf.setFont(font, 15 * scale)
    for label, value in _lines(design, fields):
        pdf.drawString(40 * mm * scale, y, f"{label}：{value}")
        y -= 11 * mm * scale
    qr = _qr_image(qr_url)
    side = 45 * mm * scale
    pdf.drawImage(ImageReader(qr), width - side - 25 * mm * scale, 20 * mm * scale, side, side)
    pdf.setFont(font, 9 * scale)
    pdf.drawCentredString(width - side / 2 - 25 * mm * scale, 15 * mm * scale,
                          "扫码查询，以在线查询结果为准")
    image = _photo(photo)
    if image is not None:
        pdf.drawImage(ImageReader(image), width - 60 * mm * scale, height - 110 * mm * scale,
                      35 * mm * scale, 45 * mm * scale, preserveAspectRatio=True)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def render_png(design: dict, fields: dict, *, photo: bytes | None = None,
               qr_url: str | None = None, background: bytes | None = None,
               seal: bytes | None = None) -> bytes:
    from django.conf import settings
    from PIL import Image, ImageDraw, ImageFont

    path = settings.CJK_FONT_PATH
    if not path:
        from pathlib import Path

        import paperang_p2_fonts_cjk

        path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    card = design.get("kind") == "card"
    width, height = (856, 540) if card else (1123, 794)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, width - 13, height - 13), outline=(160, 30, 30), width=6)

    def font(size):
        return ImageFont.truetype(str(path), size, index=0)

    title = font(30 if card else 40)
    draw.text((width / 2, 60 if card else 90), fields.get("association", ""), fill="black",
              font=title, anchor="mm")
    draw.text((width / 2, 110 if card else 160),
              KIND_TITLES.get(design.get("kind"), "会员证书"), fill=(160, 30, 30),
              font=font(36 if card else 52), anchor="mm")
    body = font(20 if card else 24)
    y = 160 if card else 240
    for label, value in _lines(design, fields):
        draw.text((50 if card else 110, y), f"{label}：{value}", fill="black", font=body)
        y += 34 if card else 48
    qr = _qr_image(qr_url).resize((170, 170) if card else (220, 220))
    image.paste(qr, (width - qr.width - 40, height - qr.height - 60))
    draw.text((width - qr.width / 2 - 40, height - 40), "扫码查询，以在线查询结果为准",
              fill="black", font=font(14 if card else 16), anchor="mm")
    portrait = _photo(photo)
    if portrait is not None:
        portrait.thumbnail((120, 160) if card else (150, 200))
        image.paste(portrait, (width - portrait.width - 50, 150 if card else 220))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
