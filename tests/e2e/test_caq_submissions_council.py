"""CAQ's 企业投稿 and 完善理事资料 in Chromium (issue 13, parts 2 and 3).

企业投稿: a unit member uploads a Word document built here (a real .docx: a ZIP with
[Content_Types].xml and word/document.xml); an .exe renamed .docx is refused with the page's
message; staff approve it; a stranger reads it on 会员动态.

完善理事资料: a council unit sees 有需要完善的资料 on its home, fills 《中国质量协会第十届理事会
副会长人选推荐登记表》 and sees it 已完善; staff see it completed and download the PDF, whose text
is read with pypdfium2."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD as STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

UNIT_PASSWORD = "Qx-9876-passw0rd"  # records.tests.helpers' applicants
WRITER, COUNCIL = 5501, 5502  # phones 13900005501 and 13900005502: no other test's
WRITER_NAME, COUNCIL_NAME = "苏州质量示范有限公司", "无锡卓越制造股份有限公司"
TITLE = "推进全面质量管理的实践与体会"


def _docx(*paragraphs: str) -> bytes:
    """The smallest .docx Word opens: content types, the package relation, the document."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="applicat'
            'ion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" Conte'
            'ntType="application/xml"/><Override PartName="/word/document.xml" ContentType="app'
            'lication/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openx'
            'mlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sc'
            'hemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target'
            '="word/document.xml"/></Relationships>'))
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                                        f'<w:document xmlns:w="{w}"><w:body>{body}</w:body>'
                                        f'</w:document>')
    return buffer.getvalue()


@pytest.fixture(scope="module")
def caq_units(demo_tenants, django_db_blocker):
    """Two CAQ unit members through the real journey, committed for the server: a regular
    one that writes, and a 理事单位 (rank council) with forms to fill."""
    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.tests.helpers import member

    with django_db_blocker.unblock(), schema_context("caq"):
        for n, name, rank in ((WRITER, WRITER_NAME, "regular"),
                              (COUNCIL, COUNCIL_NAME, "council")):
            if not Membership.objects.filter(user__phone=f"1390000{n:04d}").exists():
                member("unit", n, rank=rank, answers={"unit_name": name})
        numbers = dict(Membership.objects.filter(
            user__phone__in=[f"1390000{WRITER:04d}", f"1390000{COUNCIL:04d}"])
            .values_list("user__phone", "number"))
    connection.set_schema_to_public()
    return numbers


def test_a_caq_unit_submits_a_word_document_staff_publish_it_a_stranger_reads_it(
        server, caq_units, phone, desktop, tmp_path):
    base = f"http://caq.localhost:{server}"
    login(phone, base, f"1390000{WRITER:04d}", UNIT_PASSWORD)
    phone.goto(f"{base}/member/")
    phone.locator(".centre-nav a", has_text="企业投稿").first.click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "企业投稿"
    # an executable renamed .docx: refused by its content, nothing recorded
    fake = tmp_path / "质量论文.docx"
    fake.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    phone.fill("#f_title", TITLE)
    phone.set_input_files("#f_document", str(fake))
    phone.click(".submission-upload button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".submission-upload .error").inner_text() == (
        "只能提交 Word 文档（.doc 或 .docx），此文件不是 Word 文档。")
    assert phone.locator(".submission-row").count() == 0
    assert phone.locator("#f_title").input_value() == TITLE  # what was typed is kept
    screenshot(phone, "caq-submission-refused-phone")
    # the real document
    document = tmp_path / "质量论文.docx"
    document.write_bytes(_docx("全面质量管理是企业持续改进的基础。", "我们以标准化推动质量提升。"))
    phone.set_input_files("#f_document", str(document))
    phone.click(".submission-upload button[type=submit]")
    phone.wait_for_load_state()
    assert "投稿已提交" in phone.locator(".flash").inner_text()
    row = phone.locator(".submission-row")
    assert row.count() == 1
    assert row.locator(".submission-status").inner_text() == "待审核"
    assert fits_the_screen(phone)
    screenshot(phone, "caq-submission-record-phone")

    login(desktop, base, "admin@caq.test", STAFF_PASSWORD)
    desktop.locator(".topnav a", has_text="企业投稿").click()
    desktop.wait_for_load_state()
    desktop.locator("a", has_text=TITLE).first.click()
    desktop.wait_for_load_state()
    assert "全面质量管理是企业持续改进的基础。" in desktop.locator("main").inner_text()
    desktop.click(".submission-decision .publish")
    desktop.wait_for_load_state()
    assert desktop.locator(".submission-status").inner_text().startswith("已发布")

    phone.reload()
    assert phone.locator(".submission-row .submission-status").inner_text() == "已发布"
    # a stranger on the association's site
    phone.context.clear_cookies()
    phone.goto(f"{base}/news/")
    assert phone.locator("h1").inner_text() == "会员动态"
    item = phone.locator(".news-item", has_text=TITLE)
    assert item.locator(".news-unit").inner_text() == WRITER_NAME
    item.locator(".news-title").click()
    phone.wait_for_load_state()
    article = phone.locator(".news-article").inner_text()
    assert TITLE in article and "我们以标准化推动质量提升。" in article
    assert fits_the_screen(phone)
    screenshot(phone, "caq-news-article-phone")
    with phone.expect_download() as download:
        phone.click(".news-document")
    assert download.value.suggested_filename.endswith(".docx")


def test_a_council_unit_completes_its_form_and_staff_download_the_pdf(
        server, caq_units, phone, desktop, tmp_path):
    import pypdfium2

    base = f"http://caq.localhost:{server}"
    number = caq_units[f"1390000{COUNCIL:04d}"]
    login(phone, base, f"1390000{COUNCIL:04d}", UNIT_PASSWORD)
    phone.goto(f"{base}/member/")
    reminder = phone.locator(".council-reminder")
    assert "有需要完善的资料" in reminder.inner_text()
    assert "《中国质量协会第十届理事会副会长人选推荐登记表》" in reminder.inner_text()
    assert fits_the_screen(phone)
    screenshot(phone, "caq-council-reminder-phone")
    reminder.locator("li", has_text="副会长人选推荐登记表").locator("a").click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "中国质量协会第十届理事会副会长人选推荐登记表"
    phone.fill("#f_name", "周立新")
    phone.select_option("#f_gender", "男")
    phone.fill("#f_birth", "1970-03-15")
    phone.fill("#f_title", "总经理")
    phone.fill("#f_resume", "1992年至今 历任质量部部长、总经理")
    phone.fill("#f_contact_name", "陈静")
    phone.fill("#f_contact_phone", "13900005592")
    phone.fill("#f_contact_email", "chenjing@example.test")
    assert fits_the_screen(phone)
    screenshot(phone, "caq-council-fill-phone")
    phone.click(".council-fill button[type=submit]")
    phone.wait_for_load_state()
    # saved: the member reads what was kept, marked 已完善
    assert phone.url.endswith("/member/council-forms/vp_nomination/view/")
    assert phone.locator(".council-state").inner_text() == "已完善"
    assert "周立新" in phone.locator("main").inner_text()
    phone.locator(".centre-nav a", has_text="完善理事资料").first.click()
    phone.wait_for_load_state()
    done = phone.locator(".council-done .council-form[data-code=vp_nomination]")
    assert done.locator(".council-state").inner_text() == "已完善"
    assert phone.locator(".council-pending .council-form[data-code=vp_nomination]").count() == 0

    login(desktop, base, "admin@caq.test", STAFF_PASSWORD)
    desktop.goto(f"{base}/manage/council-forms/?form=vp_nomination&state=done")
    row = desktop.locator(f".council-row[data-number='{number}']")
    assert row.locator(".council-state").inner_text().startswith("已完善")
    screenshot(desktop, "caq-council-overview-desktop")
    with desktop.expect_download() as download:
        row.locator("a", has_text="PDF").click()
    path = tmp_path / "form.pdf"
    download.value.save_as(path)
    pdf = pypdfium2.PdfDocument(str(path))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "副会长人选推荐登记表" in text
    assert "周立新" in text and "1992年至今 历任质量部部长、总经理" in text
    assert COUNCIL_NAME in text and "陈静" in text
