"""The demo members' files, drawn so that a person walking the demo sees something plausible:
an ID photo on the CMES certificates, a unit's logo, a stamped application form in the review
queue. Drawn with Pillow and ReportLab, nothing fetched; deterministic for a given seed.

    portrait(seed) -> PNG bytes        a 1-inch ID photo (295 x 413 px): a silhouette on blue
    logo(name) -> PNG bytes            a round badge with the unit's first character
    scanned_form(title, name, image=True) -> PNG or PDF bytes
                                       a filled-in form with the applicant's name and a red seal
"""

from __future__ import annotations

import io
import math
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from huiji.pdf import cjk_font_path

SHIRTS = ["#1f2a44", "#2d3b55", "#3b3b3b", "#203a5c", "#4a4a52", "#18324f"]
SKINS = ["#e8c4a4", "#dcb48f", "#f0cfb1", "#d6a883"]
HAIR = ["#1b1b1b", "#2a211c", "#3a2f28"]
BADGES = ["#b01c22", "#1f3e78", "#0f6b4f", "#8a5a12", "#4b2c7a"]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size, index=0)


@cache
def portrait(seed: int) -> bytes:
    """A head-and-shoulders silhouette on the blue of a Chinese ID photo."""
    pick = random.Random(seed)  # noqa: S311 - a drawing, no secret
    width, height = 295, 413
    image = Image.new("RGB", (width, height), "#3f8fd6")
    draw = ImageDraw.Draw(image)
    skin, shirt, hair = pick.choice(SKINS), pick.choice(SHIRTS), pick.choice(HAIR)
    cx = width // 2 + pick.randint(-6, 6)
    # shoulders and jacket, white collar, neck, face, hair
    draw.ellipse((cx - 150, 300, cx + 150, 560), fill=shirt)
    draw.polygon([(cx - 34, 300), (cx + 34, 300), (cx, 352)], fill="#f4f4f4")
    draw.rectangle((cx - 26, 240, cx + 26, 305), fill=skin)
    draw.ellipse((cx - 68, 100, cx + 68, 270), fill=skin)
    draw.ellipse((cx - 80, 170, cx - 56, 212), fill=skin)  # ears
    draw.ellipse((cx + 56, 170, cx + 80, 212), fill=skin)
    top = 88 + pick.randint(0, 8)
    draw.chord((cx - 72, top, cx + 72, top + 110), 170, 370, fill=hair)
    return _png(image.filter(ImageFilter.SMOOTH))


@cache
def logo(name: str) -> bytes:
    """A round badge in one of five colours with the first character of the unit's name."""
    colour = BADGES[sum(map(ord, name)) % len(BADGES)]
    image = Image.new("RGB", (256, 256), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=colour)
    draw.ellipse((22, 22, 234, 234), outline="white", width=5)
    draw.text((128, 128), (name or "会")[0], font=_font(120), fill="white", anchor="mm")
    return _png(image)


def scanned_form(title: str, name: str, *, image: bool = True) -> bytes:
    """A form titled `title`, filled in for `name`, signed and sealed: a PNG scan (`image`)
    or a one-page PDF."""
    scan = _form(title, name)
    if image:
        return _png(scan)
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    pdf.drawImage(ImageReader(scan), 0, 0, *A4)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


@cache
def _form(title: str, name: str) -> Image.Image:
    width, height = 827, 1169  # A4 at 100 dpi
    page = Image.new("RGB", (width, height), "#fbfaf6")
    draw = ImageDraw.Draw(page)
    draw.text((width // 2, 110), title, font=_font(44), fill="#111111", anchor="mm")
    small = _font(24)
    rows = [("申请人（单位）名称", name), ("联系人", "（演示数据）"), ("联系电话", "（演示数据）"),
            ("申请意见", "自愿加入本会，遵守本会章程。")]
    top = 200
    for label, value in rows:
        draw.rectangle((80, top, width - 80, top + 70), outline="#333333", width=2)
        draw.line((330, top, 330, top + 70), fill="#333333", width=2)
        draw.text((96, top + 35), label, font=small, fill="#222222", anchor="lm")
        draw.text((346, top + 35), value, font=small, fill="#1a237e", anchor="lm")
        top += 70
    draw.text((width - 120, 820), "（盖章）", font=small, fill="#222222", anchor="rm")
    draw.text((width - 120, 880), "2026 年    月    日", font=small, fill="#222222",
              anchor="rm")
    # the red seal, a little crooked and faded as a stamp is
    seal = Image.new("RGBA", (260, 260), (0, 0, 0, 0))
    ink = ImageDraw.Draw(seal)
    ink.ellipse((10, 10, 250, 250), outline=(200, 30, 40, 200), width=9)
    star = [(130 + (38 if i % 2 == 0 else 15) * math.sin(i * math.pi / 5),
             120 - (38 if i % 2 == 0 else 15) * math.cos(i * math.pi / 5)) for i in range(10)]
    ink.polygon(star, fill=(200, 30, 40, 200))
    ink.text((130, 205), "演示专用章", font=_font(26), fill=(200, 30, 40, 200), anchor="mm")
    seal = seal.rotate(-12, resample=Image.Resampling.BICUBIC)
    page.paste(seal, (width - 380, 720), seal)
    return page
