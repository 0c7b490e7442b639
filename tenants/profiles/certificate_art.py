"""Draws the demo associations' certificate backgrounds and demo seals (committed next to the
profiles; run again after a change: `.venv/bin/python tenants/profiles/certificate_art.py`).

Backgrounds are 300 dpi for their page: a paper tone, guilloché bands (sine waves of several
phases, as banknotes and certificates draw them), corner rosettes and ruled frames. Seals
are red rings with the association's name on an arc, a five-pointed star and 演示印章 below:
clearly demo seals, never an association's real one."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
DPI = 300


def px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def font(size_px: int) -> ImageFont.FreeTypeFont:
    import paperang_p2_fonts_cjk

    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    return ImageFont.truetype(str(path), size_px, index=0)


def _wave_band(draw, box, colour, *, waves=7, amplitude=0.42, period_mm=9.0, width=2,
               vertical=False):
    """Interlaced sine waves filling a band (x0, y0, x1, y1) along its length."""
    x0, y0, x1, y1 = box
    length = (y1 - y0) if vertical else (x1 - x0)
    depth = (x1 - x0) if vertical else (y1 - y0)
    centre = depth / 2
    period = px(period_mm)
    for k in range(waves):
        phase = 2 * math.pi * k / waves
        points = []
        for t in range(0, int(length) + 1, 3):
            a = centre + amplitude * depth * math.sin(2 * math.pi * t / period + phase) \
                * (0.75 + 0.25 * math.cos(2 * math.pi * t / (period * 5.3)))
            points.append((x0 + a, y0 + t) if vertical else (x0 + t, y0 + a))
        draw.line(points, fill=colour, width=width)


def _rosette(draw, cx, cy, radius, colour, *, petals=12, loops=5, width=2):
    """A hypotrochoid-like rosette of several rotated loops."""
    for j in range(loops):
        rot = 2 * math.pi * j / (loops * petals)
        points = []
        for i in range(0, 721):
            t = 2 * math.pi * i / 720
            r = radius * (0.62 + 0.38 * math.cos(petals * t))
            points.append((cx + r * math.cos(t + rot), cy + r * math.sin(t + rot)))
        draw.line(points, fill=colour, width=width)


def background(name: str, size_mm: tuple[float, float], *, paper, band, band_dark, line,
               margin=8.0, band_mm=11.0, watermark=None, rosettes=True, header=None):
    w, h = px(size_mm[0]), px(size_mm[1])
    image = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(image)
    m, b = px(margin), px(band_mm)
    # a faint all-over wave texture (security paper)
    for y in range(m, h - m, px(2.2)):
        pts = [(x, y + px(0.6) * math.sin(x / px(3.5))) for x in range(m, w - m, 6)]
        draw.line(pts, fill=watermark or paper, width=1)
    # the guilloché border band
    draw.rectangle((m, m, w - m, h - m), fill=band)
    draw.rectangle((m + b, m + b, w - m - b, h - m - b), fill=paper)
    for box, vertical in (((m, m, w - m, m + b), False), ((m, h - m - b, w - m, h - m), False),
                          ((m, m, m + b, h - m), True), ((w - m - b, m, w - m, h - m), True)):
        _wave_band(draw, box, band_dark, vertical=vertical)
    # ruled frames: outer, inner and a fine line inside
    draw.rectangle((m, m, w - m, h - m), outline=line, width=px(0.7))
    draw.rectangle((m + b, m + b, w - m - b, h - m - b), outline=line, width=px(0.5))
    f = px(2.2)
    draw.rectangle((m + b + f, m + b + f, w - m - b - f, h - m - b - f), outline=line,
                   width=max(2, px(0.2)))
    if rosettes:
        for cx, cy in ((m + b / 2, m + b / 2), (w - m - b / 2, m + b / 2),
                       (m + b / 2, h - m - b / 2), (w - m - b / 2, h - m - b / 2)):
            draw.ellipse((cx - b * 0.75, cy - b * 0.75, cx + b * 0.75, cy + b * 0.75),
                         fill=band)
            _rosette(draw, cx, cy, b * 0.7, line, width=2)
    if watermark:
        _rosette(draw, w / 2, h / 2 + px(5), min(w, h) * 0.28, watermark, petals=18, loops=7,
                 width=3)
    if header:
        header(image, draw, w, h)
    image.save(HERE / name, optimize=True)
    return image


def card(name: str, *, top, bottom, wave, stripe):
    """A member card (85.6 x 54 mm): a two-tone gradient, waves, a stripe for the title."""
    w, h = px(85.6), px(54.0)
    scale = 2  # drawn twice as large, then reduced: smooth curves on a small card
    big = Image.new("RGB", (w * scale, h * scale))
    draw = ImageDraw.Draw(big)
    for y in range(h * scale):
        t = y / (h * scale)
        draw.line([(0, y), (w * scale, y)], fill=tuple(
            round(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
    for k in range(16):
        pts = []
        for x in range(0, w * scale + 1, 8):
            y = h * scale * (0.62 + 0.012 * k) + px(4) * scale * math.sin(
                2 * math.pi * x / (w * scale * 0.9) + k * 0.22)
            pts.append((x, y))
        draw.line(pts, fill=wave, width=3)
    draw.rectangle((0, 0, w * scale, px(12.5) * scale), fill=stripe)
    big = big.resize((w, h), Image.Resampling.LANCZOS)
    big.save(HERE / name, optimize=True)


def seal(name: str, text: str, *, colour=(200, 22, 29)):
    """A round demo seal: ring, the name on an arc, a star, 演示印章 - transparent outside."""
    size = 900
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    ring = 30
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=colour,
                 width=ring)
    # the star
    r_out, r_in = size * 0.19, size * 0.19 * 0.382
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        points.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(points, fill=colour)
    # the name on the upper arc, characters upright to the centre
    glyph = font(round(size * 0.13))
    n = len(text)
    spread = min(math.radians(260), math.radians(30) * n)
    radius = size * 0.355
    for i, ch in enumerate(text):
        angle = -math.pi / 2 - spread / 2 + spread * (i + 0.5) / n
        tile = Image.new("RGBA", (round(size * 0.18), round(size * 0.18)), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), ch, font=glyph,
                                  fill=colour, anchor="mm", stroke_width=4,
                                  stroke_fill=colour)
        tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC,
                           expand=True)
        x = c + radius * math.cos(angle) - tile.width / 2
        y = c + radius * math.sin(angle) - tile.height / 2
        image.alpha_composite(tile, (round(x), round(y)))
    draw.text((c, c + size * 0.29), "演示印章", font=font(round(size * 0.09)), fill=colour,
              anchor="mm", stroke_width=3, stroke_fill=colour)
    # a little unevenness, as ink on paper
    alpha = image.getchannel("A").filter(ImageFilter.GaussianBlur(1.2))
    image.putalpha(alpha.point(lambda a: 0 if a < 40 else min(255, round(a * 0.92))))
    image.save(HERE / name, optimize=True)


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else ""
    if folder in ("", "cmes"):
        def cmes_header(image, draw, w, h):
            pass
        background("cmes/certificate_background.png", (297, 210), paper=(253, 250, 240),
                   band=(232, 238, 247), band_dark=(90, 122, 170), line=(32, 62, 120),
                   watermark=(240, 236, 222), header=cmes_header)
        seal("cmes/seal.png", "中国机械工程学会")
    if folder in ("", "cacem"):
        background("cacem/certificate_background.png", (210, 297), paper=(255, 252, 244),
                   band=(246, 228, 200), band_dark=(184, 134, 58), line=(150, 26, 30),
                   watermark=(246, 238, 222))
        seal("cacem/seal.png", "中国施工企业管理协会")
    if folder in ("", "caq"):
        card("caq/card_background.png", top=(10, 62, 140), bottom=(4, 34, 86),
             wave=(40, 96, 170), stripe=(190, 150, 60))
    if folder in ("", "jsgas"):
        background("jsgas/certificate_background.png", (297, 210), paper=(255, 251, 243),
                   band=(178, 28, 34), band_dark=(226, 170, 84), line=(160, 120, 40),
                   watermark=(248, 238, 222))
        seal("jsgas/seal.png", "江苏省燃气热力协会")
    if folder in ("", "generic"):
        background("generic/certificate_background.png", (297, 210), paper=(252, 252, 247),
                   band=(222, 238, 232), band_dark=(52, 128, 108), line=(24, 90, 74),
                   watermark=(238, 242, 236))
        seal("generic/seal.png", "示例学会")


if __name__ == "__main__":
    main()
