"""The referral QR code and the "share to WeChat" poster, drawn server-side with Pillow: the
association's name, the referrer's name and number, the QR and a line of invitation, in the
CJK font the PDFs use. Every piece of text is drawn as text (ImageDraw.text), never read as
markup; a name too long for the line is drawn smaller, then cut with an ellipsis."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import qrcode
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 750, 1200
INK, MUTED, ACCENT, PAPER = (31, 41, 55), (107, 114, 128), (180, 35, 24), (255, 255, 255)


def font_path() -> str:
    """The CJK font of huiji/pdf.py: CJK_FONT_PATH, else the bundled WenQuanYi Micro Hei."""
    path = settings.CJK_FONT_PATH
    if not path:
        import paperang_p2_fonts_cjk

        path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    return str(path)


_local = threading.local()


def _font(size: int) -> ImageFont.FreeTypeFont:
    # One FreeType face per size per thread: a face is not safe to draw with from two
    # threads at once (the server's threads share the process).
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = _local.fonts = {}
    if size not in fonts:
        fonts[size] = ImageFont.truetype(font_path(), size=size, index=0)
    return fonts[size]


def qr_image(url: str, box: int = 10) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box,
                         border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def qr_png(url: str) -> bytes:
    return _png(qr_image(url))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, smallest: int = 22):
    """The font size at which `text` fits `width` (down to `smallest`), and the text, cut
    with an ellipsis if it still does not fit."""
    text = " ".join(str(text).split())  # no line breaks or tabs of the user's in a line
    while size > smallest and draw.textlength(text, font=_font(size)) > width:
        size -= 2
    font = _font(size)
    if draw.textlength(text, font=font) > width:
        while text and draw.textlength(text + "…", font=font) > width:
            text = text[:-1]
        text += "…"
    return font, text


def _centred(draw, y: int, text: str, size: int, fill, width: int = WIDTH - 96) -> int:
    font, text = _fit(draw, text, size, width)
    left = (WIDTH - draw.textlength(text, font=font)) / 2
    draw.text((left, y), text, font=font, fill=fill)
    bbox = font.getbbox("国")
    return y + (bbox[3] - bbox[1]) + size // 2


def poster_png(*, association: str, lines: list[str], invitation: str, hint: str,
               url: str, url_note: str = "") -> bytes:
    """A 750×1200 PNG: the association's name on a band, the referrer's lines, the QR, the
    invitation and how to use the QR."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 190), fill=ACCENT)
    font, text = _fit(draw, association, 46, WIDTH - 96)
    draw.text(((WIDTH - draw.textlength(text, font=font)) / 2, 70), text, font=font,
              fill=PAPER)
    y = 240
    y = _centred(draw, y, invitation, 40, INK)
    y += 14
    for line in lines:
        y = _centred(draw, y, line, 36, ACCENT)
    qr = qr_image(url, box=12).resize((480, 480), Image.Resampling.NEAREST)
    top = max(y + 30, 470)
    image.paste(qr, ((WIDTH - 480) // 2, top))
    draw.rectangle(((WIDTH - 480) // 2 - 2, top - 2, (WIDTH + 480) // 2 + 1, top + 481),
                   outline=(229, 231, 235), width=2)
    y = _centred(draw, top + 520, hint, 30, MUTED)
    _centred(draw, y + 6, url_note, 22, MUTED)
    draw.rectangle((0, HEIGHT - 16, WIDTH, HEIGHT), fill=ACCENT)
    return _png(image)
