"""The generated application form: the applicant's answers laid out on A4 with a stamp box,
to print, stamp and upload (CAQ and the generic society do this). Every answer and label is
printed as text (huiji.pdf.text_paragraph), whatever markup it contains."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from huiji.pdf import cjk_font, text_paragraph
from huiji.tenancy.current import current_association
from tenant_apps.applications.engine import form_steps


def application_form_pdf(application) -> bytes:
    from tenant_apps.applications.forms import field_rows
    from tenant_apps.applications.services import type_doc

    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=16,
                             spaceBefore=8)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    association = current_association()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm,
                            title=f"{association.name if association else ''} 入会申请表")
    story = [text_paragraph(f"{association.name if association else ''}\n"
                            f"{application.member_type.name}入会申请表", title),
             Spacer(1, 6 * mm)]
    for step in form_steps(type_doc(application)):
        rows = []
        for row in field_rows(step.fields, application.answers, {}, application=application):
            if row["spec"]["type"] == "group":
                for item in row["items"]:
                    if item["filled"]:
                        text = "；".join(f"{r['spec']['label']}：{r['text']}"
                                        for r in item["rows"] if r["text"])
                        rows.append([
                            text_paragraph(f"{row['spec']['label']}（{item['role']}）", cell),
                            text_paragraph(text, cell)])
                continue
            rows.append([text_paragraph(row["spec"]["label"], cell),
                         text_paragraph(row["text"] or "—", cell)])
        if not rows:
            continue
        story.append(text_paragraph(step.title, heading))
        table = Table(rows, colWidths=[45 * mm, 129 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(table)
    story.append(Spacer(1, 10 * mm))
    stamp = Table([[text_paragraph("申请单位（盖章）/ 申请人（签字）：", cell), ""],
                   [text_paragraph(f"日期：{timezone.localdate():%Y 年 %m 月 %d 日}", cell), ""]],
                  colWidths=[110 * mm, 64 * mm], rowHeights=[30 * mm, 10 * mm])
    stamp.setStyle(TableStyle([("BOX", (1, 0), (1, 0), 0.8, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(stamp)
    story.append(text_paragraph(f"申请编号：{application.public_id}", cell))
    doc.build(story)
    return buffer.getvalue()
