"""Drawing a certificate or member card from its design (design.py) as PDF, and as PNG.

    render_pdf(design, fields, *, photo=None, qr_url=None, background=None, seal=None) -> bytes
    render_png(design, fields, *, photo=None, qr_url=None, background=None, seal=None,
               width_px=1200) -> bytes
    Book(): book.page(design, fields, ...) per certificate, then book.finish() -> bytes

`design`: one document's design as `design.design_for(type_code, kind)` returns it (checked
by the profile: page, background, seal, fields). `fields`: the values to show, by catalogue
key (`design.CATALOGUE`): association, name, number, type_rank, joined_on, valid_until,
certificate_number, issued_on, credit_code, verify_code - all plain strings, dates already
written as the certificate shows them (`design.format_date`: 2026年12月31日). A missing or
empty value leaves its item (and its prefix) out. `photo`: the member's photo (JPEG/PNG bytes)
for a `photo` box, cropped to fill it; None draws an empty box marked 照片. `qr_url`: what the
QR code says (the verification address); None leaves the QR box out. `background`, `seal`:
the design's images (`design.design_images(design)` reads them from storage).

One layout: the PNG is the PDF drawn by PDFium (pypdfium2), so the phone shows exactly what
prints. Text is vector in the embedded CJK font (huiji.pdf.cjk_font), drawn with the canvas'
text objects: what a member typed is never read as ReportLab markup. A text longer than its
`max_width` (or than the room to the page's edge) is drawn smaller until it fits, never past
it. The QR code is vector squares; images are placed at no more than 300 dpi.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from huiji.pdf import cjk_font
from tenant_apps.certificates.design import CATALOGUE, PAGES, PLACEHOLDER

DPI = 300
PHOTO_LABEL = "照片"


def render_pdf(design: dict, fields: dict[str, str], *, photo: bytes | None = None,
               qr_url: str | None = None, background: bytes | None = None,
               seal: bytes | None = None) -> bytes:
    book = Book(title=str(fields.get("name") or ""))
    book.page(design, fields, photo=photo, qr_url=qr_url, background=background, seal=seal)
    return book.finish()


class Book:
    """Many certificates in one PDF, a page each (the staff's 下载证书 as one file to print).
    A background or seal drawn on many pages is decoded and scaled once and stored once in
    the file (ReportLab keeps one image object per content within a canvas): thirty
    certificates on one design weigh about one background, not thirty. One Book per call:
    it holds a file being written, never shared between requests or threads."""

    def __init__(self, title: str = "") -> None:
        self._out = io.BytesIO()
        self._pdf = canvas.Canvas(self._out, pageCompression=1)
        self._pdf.setTitle(title)
        self._pdf.setCreator("Huiji")
        self._images: dict[tuple, ImageReader] = {}
        self.pages = 0

    def page(self, design: dict, fields: dict[str, str], *, photo: bytes | None = None,
             qr_url: str | None = None, background: bytes | None = None,
             seal: bytes | None = None) -> None:
        width, height = PAGES[design["page"]]
        pdf = self._pdf
        pdf.setPageSize((width * mm, height * mm))
        font = cjk_font()
        if background:
            pdf.drawImage(self._image(background, width, height, fill=True), 0, 0,
                          width * mm, height * mm, mask="auto")
        seal_spec = design.get("seal") or {}
        if seal and seal_spec:
            # under the text, as the association's name and date stay readable through the ink
            size = seal_spec["size"]
            pdf.drawImage(self._image(seal, size, size), (seal_spec["x"] - size / 2) * mm,
                          (height - seal_spec["y"] - size / 2) * mm, size * mm, size * mm,
                          mask="auto", preserveAspectRatio=True, anchor="c")
        for item in design.get("fields") or []:
            kind = CATALOGUE[item["field"]].kind
            if kind == "photo":
                _photo(pdf, item, photo, height, font)
            elif kind == "qr":
                if qr_url:
                    _qr(pdf, item, qr_url, height)
            else:
                text = _text_of(item, fields)
                if text:
                    _text(pdf, item, text, width, height, font)
        pdf.showPage()
        self.pages += 1

    def finish(self) -> bytes:
        self._pdf.save()
        return self._out.getvalue()

    def _image(self, data: bytes, width_mm: float, height_mm: float, *,
               fill: bool = False) -> ImageReader:
        key = (hash(data), len(data), width_mm, height_mm, fill)
        if key not in self._images:
            self._images[key] = _reader(data, width_mm, height_mm, fill=fill)
        return self._images[key]


def render_png(design: dict, fields: dict[str, str], *, photo: bytes | None = None,
               qr_url: str | None = None, background: bytes | None = None,
               seal: bytes | None = None, width_px: int = 1200) -> bytes:
    return pdf_to_png(render_pdf(design, fields, photo=photo, qr_url=qr_url,
                                 background=background, seal=seal), width_px=width_px)


def pdf_to_png(data: bytes, *, width_px: int = 1200) -> bytes:
    """The first page of a PDF as a PNG `width_px` wide (PDFium)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        bitmap = page.render(scale=width_px / page.get_width())
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG", optimize=False)
        page.close()
        return out.getvalue()
    finally:
        document.close()


def _text_of(item: dict, fields: dict[str, str]) -> str:
    if item["field"] == "text":
        text = PLACEHOLDER.sub(lambda m: _one_line(fields.get(m.group(1)) or ""), item["text"])
        return text.strip()
    value = _one_line(fields.get(item["field"]) or "")
    return f"{item.get('prefix') or ''}{value}" if value else ""


def _one_line(value) -> str:
    return " ".join(str(value).split())


def fitted_size(text: str, font: str, size: float, spacing: float,
                max_width_mm: float | None) -> tuple[float, float, float]:
    """(font size, character spacing, drawn width in points) with the text shrunk to fit."""
    width = stringWidth(text, font, size) + spacing * max(len(text) - 1, 0)
    if max_width_mm and width > max_width_mm * mm:
        factor = max_width_mm * mm / width
        size, spacing, width = size * factor, spacing * factor, width * factor
    return size, spacing, width


def room(item: dict, page_width: float) -> float:
    """The widest a text may be, in mm: its max_width, and never past the page's edges (a
    margin of 2 mm kept)."""
    x, edge = item["x"], 2.0
    if item["align"] == "center":
        inside = 2 * min(x - edge, page_width - edge - x)
    elif item["align"] == "right":
        inside = x - edge
    else:
        inside = page_width - edge - x
    inside = max(inside, 1.0)
    return min(item["max_width"], inside) if item.get("max_width") else inside


def _text(pdf: canvas.Canvas, item: dict, text: str, page_width: float, height: float,
          font: str) -> None:
    size, spacing, width = fitted_size(text, font, item["size"], item.get("spacing") or 0.0,
                                       room(item, page_width))
    x = item["x"] * mm
    if item["align"] == "center":
        x -= width / 2
    elif item["align"] == "right":
        x -= width
    colour = HexColor(item["color"])
    pdf.saveState()  # the render mode and stroke outlive the text object: keep them to it
    obj = pdf.beginText()
    obj.setFont(font, size)
    obj.setCharSpace(spacing)
    obj.setFillColor(colour)
    if item.get("bold"):
        # The CJK font has no bold face: the glyphs are filled and stroked in their colour.
        pdf.setStrokeColor(colour)
        pdf.setLineWidth(size * 0.035)
        obj.setTextRenderMode(2)
    obj.setTextOrigin(x, (height - item["y"]) * mm)
    obj.textOut(text)  # a string, never markup
    pdf.drawText(obj)
    pdf.restoreState()


def _reader(data: bytes, width_mm: float, height_mm: float, *,
            fill: bool = False) -> ImageReader:
    """An image at no more than 300 dpi for a box of this size (cropped to fill it when
    `fill`), transparency kept."""
    with Image.open(io.BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source)
        image.load()
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    target = (max(1, round(width_mm / 25.4 * DPI)), max(1, round(height_mm / 25.4 * DPI)))
    if fill:
        if image.width > target[0] or image.height > target[1] or \
                abs(image.width / image.height - target[0] / target[1]) > 0.01:
            image = ImageOps.fit(image, (min(target[0], image.width),
                                         round(min(target[0], image.width)
                                               * target[1] / target[0])),
                                 Image.Resampling.LANCZOS)
    elif image.width > target[0] or image.height > target[1]:
        image.thumbnail(target, Image.Resampling.LANCZOS)
    return ImageReader(image)


def _photo(pdf: canvas.Canvas, item: dict, photo: bytes | None, height: float,
           font: str) -> None:
    x, y = item["x"] * mm, (height - item["y"] - item["height"]) * mm
    w, h = item["width"] * mm, item["height"] * mm
    if photo:
        try:
            reader = _reader(photo, item["width"], item["height"], fill=True)
        except (OSError, ValueError, Image.DecompressionBombError):
            reader = None
        if reader is not None:
            pdf.drawImage(reader, x, y, w, h)
            return
    pdf.setFillColor(HexColor("#f2f2f2"))
    pdf.setStrokeColor(HexColor("#9a9a9a"))
    pdf.setLineWidth(0.5)
    pdf.rect(x, y, w, h, stroke=1, fill=1)
    pdf.setFillColor(HexColor("#9a9a9a"))
    size = min(w, h) / 5
    pdf.setFont(font, size)
    pdf.drawCentredString(x + w / 2, y + h / 2 - size / 3, PHOTO_LABEL)


def _qr(pdf: canvas.Canvas, item: dict, url: str, height: float) -> None:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    quiet = 2
    side = item["width"] * mm
    module = side / (len(matrix) + 2 * quiet)
    left, top = item["x"] * mm, (height - item["y"]) * mm
    pdf.setFillColor(white)
    pdf.rect(left, top - side, side, side, stroke=0, fill=1)
    pdf.setFillColor(HexColor("#000000"))
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # one rectangle per run of dark modules: no hairline seams between them
                path.rect(left + (quiet + start) * module, top - (quiet + r + 1) * module,
                          (c - start) * module, module * 1.0005)
            else:
                c += 1
    pdf.drawPath(path, stroke=0, fill=1)
