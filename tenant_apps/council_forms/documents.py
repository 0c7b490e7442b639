"""A filled form as a PDF (A4, the CJK font, every label and answer printed as text through
huiji.pdf.text_paragraph) and every filled form of one kind as an Excel sheet (the bulk
exports' streaming writer: inline strings, so an answer starting with "=" is never a
formula)."""

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
from tenant_apps.council_forms.models import CouncilForm, CouncilFormAnswer


def shown_rows(form: CouncilForm, answers: dict, errors: dict | None = None) -> list[dict]:
    """The form's steps with their field rows (applications.forms.field_rows): what the page
    renders and the PDF prints."""
    from tenant_apps.applications.forms import field_rows
    from tenant_apps.configuration.selectors import profile_export

    needs_branches = any(f.get("choices_from") == "branches"
                         for f in form.fields for f in [f, *f.get("fields", [])])
    document = profile_export(include_files=False) if needs_branches else {}
    return [{"title": step["title"],
             "rows": field_rows(step["fields"], answers, errors or {}, application=None,
                                document=document)}
            for step in form.steps]


def _text_rows(rows: list[dict]) -> list[tuple[str, str]]:
    out = []
    for row in rows:
        if row["spec"]["type"] == "group":
            for item in row["items"]:
                if item["filled"]:
                    out.append((f"{row['spec']['label']}（{item['role']}）",
                                "；".join(f"{r['spec']['label']}：{r['text']}"
                                         for r in item["rows"] if r["text"])))
            continue
        out.append((row["spec"]["label"], row["text"]))
    return out


def answer_pdf(answer: CouncilFormAnswer, member_name: str) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, alignment=1)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=16,
                             spaceBefore=8)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    association = current_association()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=answer.form.title)
    story = [text_paragraph(f"{association.name if association else ''}\n"
                            f"{answer.form.title}", title), Spacer(1, 4 * mm),
             text_paragraph(f"{member_name} · {answer.membership.number}", cell),
             Spacer(1, 2 * mm)]
    for step in shown_rows(answer.form, answer.answers):
        rows = [[text_paragraph(label, cell), text_paragraph(value or "—", cell)]
                for label, value in _text_rows(step["rows"])]
        if not rows:
            continue
        story.append(text_paragraph(step["title"], heading))
        table = Table(rows, colWidths=[45 * mm, 129 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                   ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(text_paragraph(
        f"填写时间：{timezone.localtime(answer.completed_at):%Y-%m-%d %H:%M}　"
        f"最后修改：{timezone.localtime(answer.updated_at):%Y-%m-%d %H:%M}", cell))
    doc.build(story)
    return buffer.getvalue()


def _field_texts(rows: list[dict]) -> list[str]:
    """One text per field, in the form's order (a group's entries joined)."""
    out = []
    for row in rows:
        if row["spec"]["type"] == "group":
            out.append("\n".join(f"{item['role']}：" + "；".join(
                f"{r['spec']['label']}：{r['text']}" for r in item["rows"] if r["text"])
                for item in row["items"] if item["filled"]))
        else:
            out.append(row["text"])
    return out


def answers_xlsx(form: CouncilForm, answers) -> bytes:
    """One row per filled form: member number, name, every field's answer as shown, when."""
    from django.utils.translation import gettext as _

    from tenant_apps.bulk.xlsx import SheetWriter

    buffer = io.BytesIO()
    with SheetWriter(buffer, form.title) as sheet:
        sheet.header([_("Member number"), _("Member"), *[f["label"] for f in form.fields],
                      _("Last saved")])
        for answer in answers:
            entry = getattr(answer.membership, "directory_entry", None)
            texts = [t for step in shown_rows(form, answer.answers)
                     for t in _field_texts(step["rows"])]
            sheet.row([answer.membership.number, entry.name if entry else "", *texts,
                       timezone.localtime(answer.updated_at).strftime("%Y-%m-%d %H:%M")])
    return buffer.getvalue()
