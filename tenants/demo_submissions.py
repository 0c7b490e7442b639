"""The demo's 企业投稿 (CAQ): a few units' articles as real Word documents, one published in
会员动态, one waiting for review, one turned down with a reason; and a council unit that has
filled one of its two 完善理事资料 forms, so the other shows 待完善 (docs/submissions.md,
docs/council-forms.md)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal Word document (.docx) with these paragraphs: what Word itself opens."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                f'2006/main"><w:body>{body}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


ARTICLES = [
    ("以质量管理体系建设推动企业高质量发展", [
        "近年来，公司坚持“质量第一、效益优先”，以全面质量管理为主线，持续完善质量管理体系。",
        "公司在各生产基地推行质量管理小组活动，全年共完成QC成果42项，其中8项获得行业优秀成果。",
        "下一步，公司将深化卓越绩效模式，推动质量管理数字化转型。"], "published", ""),
    ("开展“质量月”系列活动 营造全员重视质量氛围", [
        "九月是全国“质量月”，公司围绕“质量强国建设”主题开展了知识竞赛、技能比武等活动。",
        "活动覆盖全体员工，收到合理化建议三百余条。"], "pending", ""),
    ("公司简介", ["本公司成立于2001年。"], "rejected",
     "稿件内容为企业简介，请围绕质量活动、管理经验或工具方法撰写后重新投稿。"),
]


def demo_submissions_create(made, staff) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huiji.errors import AppError
    from tenant_apps.submissions.models import SubmissionSettings
    from tenant_apps.submissions.services import (
        submission_create,
        submission_publish,
        submission_reject,
    )

    settings = SubmissionSettings.objects.first()
    if settings is None or not settings.enabled:
        return
    units = [m for m in made if not settings.member_types
             or m.member_type.code in settings.member_types]
    for membership, (title, paragraphs, status, reason) in zip(units, ARTICLES, strict=False):
        date = "20260901"
        upload = SimpleUploadedFile(f"{date}{title[:8]}投稿.docx", docx_bytes(paragraphs))
        try:
            submission = submission_create(acting_user=membership.user, membership=membership,
                                           title=title, uploaded=upload)
        except AppError:  # a member no longer in force after the dates' spread: the next
            continue
        if status == "published":
            submission_publish(acting_user=staff, submission=submission)
        elif status == "rejected":
            submission_reject(acting_user=staff, submission=submission, reason=reason)


def demo_council_forms_create(made) -> None:
    """The first council unit fills the first form; its second stays 待完善."""
    from tenant_apps.council_forms.selectors import forms_of
    from tenant_apps.council_forms.services import council_form_answer

    for membership in made:
        states = forms_of(membership)
        if len(states) < 2:
            continue
        form = states[0].form
        council_form_answer(acting_user=membership.user, membership=membership, form=form,
                            data=_sample(form))
        return


def _sample(form) -> dict:
    values = {"text": "示例", "textarea": "2010年至今 任公司总经理。", "date": "1972-05-01",
              "phone": "13900000301", "email": "office@caq-demo.example"}
    data = {}
    for field in form.fields:
        if field["type"] == "choice":
            data[field["key"]] = field["choices"][0]["value"]
        elif field["type"] in values:
            data[field["key"]] = values[field["type"]]
    # what a unit writes on the form, so the demo's page and PDF read as a real one
    data.update({"name": "王建国", "title": "总经理", "contact_name": "刘洋",
                 "contact_position": "办公室主任", "ethnicity": "汉族", "party": "中共党员",
                 "education": "研究生 工学硕士", "professional_title": "正高级工程师",
                 "resume": "1995年至2010年 历任公司质量部工程师、部长；2010年至今 任公司总经理。",
                 "achievements": "主持公司卓越绩效管理体系建设，获全国质量奖；"
                                 "兼任省质量协会副会长。",
                 "opinion": "同意推荐。"})
    return data
