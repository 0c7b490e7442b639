"""The generated application form: the applicant's answers laid out on A4 with a stamp box,
to print, stamp and upload (CAQ and the generic society do this). The CJK font is embedded
(subset) so the PDF reads the same on any machine."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from huiji.tenancy.current import current_association
from tenant_apps.applications.engine import form_steps

FONT = "HuijiCJK"


@cache
def _font() -> str:
    path = settings.CJK_FONT_PATH
    if not path:
        import paperang_p2_fonts_cjk

        path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


def application_form_pdf(application) -> bytes:
    from tenant_apps.applications.forms import field_rows
    from tenant_apps.applications.services import type_doc

    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=16,
                             spaceBefore=8)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    association = current_association()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=f"{association.name if association else ''} 入会申请表")
    story = [Paragraph(f"{association.name if association else ''}<br/>"
                       f"{application.member_type.name}入会申请表", title), Spacer(1, 6 * mm)]
    for step in form_steps(type_doc(application)):
        rows = []
        for row in field_rows(step.fields, application.answers, {}, application=application):
            if row["spec"]["type"] == "group":
                for item in row["items"]:
                    if item["filled"]:
                        text = "；".join(f"{r['spec']['label']}：{r['display']}"
                                        for r in item["rows"] if r["display"])
                        rows.append([Paragraph(f"{row['spec']['label']}（{item['role']}）", cell),
                                     Paragraph(text, cell)])
                continue
            rows.append([Paragraph(row["spec"]["label"], cell),
                         Paragraph(row["display"] or "—", cell)])
        if not rows:
            continue
        story.append(Paragraph(step.title, heading))
        table = Table(rows, colWidths=[45 * mm, 129 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(table)
    story.append(Spacer(1, 10 * mm))
    stamp = Table([[Paragraph("申请单位（盖章）/ 申请人（签字）：", cell), ""],
                   [Paragraph(f"日期：{timezone.localdate():%Y 年 %m 月 %d 日}", cell), ""]],
                  colWidths=[110 * mm, 64 * mm], rowHeights=[30 * mm, 10 * mm])
    stamp.setStyle(TableStyle([("BOX", (1, 0), (1, 0), 0.8, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(stamp)
    story.append(Paragraph(f"申请编号：{application.public_id}", cell))
    doc.build(story)
    return buffer.getvalue()
