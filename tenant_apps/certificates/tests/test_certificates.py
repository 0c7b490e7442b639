"""Certificates issued, re-issued and revoked with the membership, verified by anyone; the
paper certificates' queue; staff's re-issue and revoke. Members are made through the real
journey (records.tests.helpers.member); what is checked is what a person reads."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.errors import AppError
from tenant_apps.certificates.models import Certificate
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.records.tests.helpers import client_for, hq_admin, member, provision

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _certs(membership):
    return {(c.kind, c.status): c for c in Certificate.objects.filter(membership=membership)}


def _verify(site_host: str, code: str):
    from django.test import Client

    return Client(HTTP_HOST=site_host).get(f"/verify/{code}/")


def _status_of(response) -> str:
    text = response.content.decode()
    start = text.index('class="live-status">') + len('class="live-status">')
    return text[start:text.index("</p>", start)]


def test_issued_at_activation_then_renewal_and_withdrawal(alpha):
    from tenant_apps.certificates.services import certificates_refresh
    from tenant_apps.memberships.services import membership_extend, membership_withdraw

    with schema_context("alpha"):
        senior = member("senior", 1)
        rows = Certificate.objects.filter(membership=senior).order_by("number")
        # 高级会员: 电子证书、纸质证书, one number each from the association's own sequence
        assert [(c.kind, c.number, c.status, c.paper_state) for c in rows] == [
            ("electronic", f"ALPHA-{YEAR}-000001", "issued", ""),
            ("paper", f"ALPHA-{YEAR}-000002", "issued", "to_make")]
        electronic = rows[0]
        assert electronic.shown["name"] == "申请人1"
        assert electronic.shown["number"] == senior.number
        assert electronic.shown["member_type"] == "高级会员"
        assert electronic.shown["phone_masked"] == "139****5678"
        assert electronic.shown["id_masked"] == "110***********002X"
        assert len(electronic.code) == 43 and len(electronic.short_code) == 12
        # run again: nothing new
        assert certificates_refresh(senior) == []
        assert certificates_refresh(senior) == []
        assert Certificate.objects.filter(membership=senior).count() == 2
        # renewal: the electronic one shows the new validity, so it is issued anew; the paper
        # one (which shows no validity) stays
        membership_extend(acting_user=hq_admin(), membership=senior, years=1)
        certs = _certs(senior)
        assert certs[("electronic", "superseded")].number == f"ALPHA-{YEAR}-000001"
        renewed = certs[("electronic", "issued")]
        assert renewed.number == f"ALPHA-{YEAR}-000003"
        assert certs[("electronic", "superseded")].superseded_by_id == renewed.pk
        assert certs[("paper", "issued")].number == f"ALPHA-{YEAR}-000002"
        from tenant_apps.memberships.models import Membership

        now_valid = Membership.objects.get(pk=senior.pk).valid_until.isoformat()
        assert renewed.shown["valid_until"] == now_valid != electronic.shown["valid_until"]
        old_code, new_code = electronic.code, renewed.code
    old = _verify(alpha.host, old_code)
    assert _status_of(old) == "已注销"
    assert "此证书已被换发：该会员已获颁新证书。" in old.content.decode()
    assert _status_of(_verify(alpha.host, new_code)) == "有效"
    with schema_context("alpha"):
        membership_withdraw(membership=senior, actor=hq_admin(), reason="本人申请",
                            by_staff=True)
        assert sorted((c.kind, c.status) for c in Certificate.objects.filter(
            membership=senior)) == [("electronic", "revoked"), ("electronic", "superseded"),
                                    ("paper", "revoked")]
        assert certificates_refresh(senior) == []
    assert _status_of(_verify(alpha.host, new_code)) == "已注销"


def test_lapse_by_the_nightly_job_and_the_live_statuses(alpha):
    from tenant_apps.memberships.lifecycle import lifecycle_run
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_reinstate, membership_suspend

    with schema_context("alpha"):
        regular = member("regular", 2)
        code = Certificate.objects.get(membership=regular).code
    assert _status_of(_verify(alpha.host, code)) == "有效"
    with schema_context("alpha"):
        membership_suspend(acting_user=hq_admin(), membership=regular, reason="资料核实")
    assert _status_of(_verify(alpha.host, code)) == "已暂停"
    with schema_context("alpha"):
        membership_reinstate(acting_user=hq_admin(), membership=regular)
        # CMES: overdue the day after the end, lapsed 12 months after it
        Membership.objects.filter(pk=regular.pk).update(valid_until=dt.date(2025, 12, 31))
        lifecycle_run(today=dt.date(2026, 1, 5))
    assert _status_of(_verify(alpha.host, code)) == "已过期"
    with schema_context("alpha"):
        lifecycle_run(today=dt.date(2027, 1, 2))
        assert Membership.objects.get(pk=regular.pk).status == "lapsed"
        cert = Certificate.objects.get(membership=regular)
        assert (cert.status, cert.reason) == ("revoked", "membership lapsed")
    page = _verify(alpha.host, code).content.decode()
    assert _status_of(_verify(alpha.host, code)) == "已失效"
    assert "以在线查询结果为准" in page


def _portrait() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 160), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_photo_first_then_the_certificate(alpha):
    with schema_context("alpha"):
        regular = member("regular", 3, answers={"photo": None})
        assert not Certificate.objects.filter(membership=regular).exists()
    client = client_for(regular.user, alpha.host)
    page = client.get("/member/certificates/").content.decode()
    assert "上传个人照片，生成电子版会员证" in page
    # not an image: refused, nothing stored, nothing issued
    refused = client.post("/member/certificates/photo/",
                          {"photo": SimpleUploadedFile("photo.png", b"%PDF-1.4 not a photo")})
    assert refused.status_code == 400
    assert "请上传图片" in refused.content.decode()
    with schema_context("alpha"):
        assert not Certificate.objects.filter(membership=regular).exists()
    done = client.post("/member/certificates/photo/",
                       {"photo": SimpleUploadedFile("me.png", _portrait())})
    assert done.status_code == 302
    page = client.get("/member/certificates/").content.decode()
    with schema_context("alpha"):
        cert = Certificate.objects.get(membership=regular)
        assert cert.kind == "electronic" and cert.shown["photo"]
    assert "上传个人照片" not in page
    assert cert.number in page and "下载PDF" in page and "打印" in page
    image = client.get(f"/member/certificates/{cert.number}/image.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    from PIL import Image

    width, height = Image.open(io.BytesIO(image.content)).size
    assert width >= 1000 and abs(width / height - 297 / 210) < 0.02  # A4 landscape
    pdf = client.get(f"/member/certificates/{cert.number}/certificate.pdf")
    assert pdf["Content-Disposition"] == f'attachment; filename="{cert.number}.pdf"'
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "申请人3" in text and cert.number in text and regular.number in text
    printed = client.get(f"/member/certificates/{cert.number}/print/").content.decode()
    assert f"/member/certificates/{cert.number}/image.png" in printed
    # another member's certificate: not found
    with schema_context("alpha"):
        other = member("regular", 4)
    assert client_for(other.user, alpha.host).get(
        f"/member/certificates/{cert.number}/certificate.pdf").status_code == 404


def test_an_approved_name_change_reissues_the_certificate():
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.records.change_requests import change_request_decide, change_request_submit
    from tenant_apps.records.models import MemberRecord

    slug = provision("caq")
    with schema_context(slug):
        person = member("individual", 31)
        before = Certificate.objects.get(membership=person)
        assert before.shown["name"] == "申请人31"
        record = MemberRecord.objects.get(membership=person)
        request = change_request_submit(
            acting_user=person.user, record=record, changes={"name": "李明"},
            proofs=[SimpleUploadedFile("改名证明.pdf", b"%PDF-1.4\n%%EOF\n")])
        # asked, not yet approved: the certificate is unchanged
        assert Certificate.objects.filter(membership=person).count() == 1
        reviewer = user_create(acting_user=None, name="审核员", username="cert-rev",
                               password="Qx-9876-passw0rd", roles=[Role.REVIEWER])
        change_request_decide(request=request, actor=reviewer, decision="approve",
                              expected_position=0)
        after = Certificate.objects.get(membership=person, status="issued")
        before.refresh_from_db()
        assert (before.status, before.superseded_by_id) == ("superseded", after.pk)
        assert after.shown["name"] == "李明"


def test_unknown_tampered_and_other_associations_codes(alpha, beta):
    with schema_context("alpha"):
        regular = member("regular", 5)
        cert = Certificate.objects.get(membership=regular)
    tampered = cert.code[:-1] + ("A" if cert.code[-1] != "A" else "B")
    # (the last character changed, never to itself: the short code ends in 0 one time in 32)
    short = cert.short_code[:-1] + ("0" if cert.short_code[-1] != "0" else "1")
    for code in (tampered, "x" * 43, "nothing", short):
        response = _verify(alpha.host, code)
        assert response.status_code == 404
        text = response.content.decode()
        assert "未找到该证书" in text and "申请人5" not in text and regular.number not in text
    # association A's code on association B's site
    response = _verify(beta.host, cert.code)
    assert response.status_code == 404 and "未找到该证书" in response.content.decode()
    # the short code, typed with dashes and in lower case
    typed = "-".join(cert.short_code[i:i + 4] for i in (0, 4, 8)).lower()
    assert _status_of(_verify(alpha.host, typed)) == "有效"


def test_lookup_by_number_and_name(alpha):
    from django.test import Client

    with schema_context("alpha"):
        regular = member("regular", 6)
        cert = Certificate.objects.get(membership=regular)
    client = Client(HTTP_HOST=alpha.host)
    form = client.get("/verify/").content.decode()
    assert "证书查询" in form and "证书编号" in form
    found = client.get("/verify/", {"number": cert.number.lower(), "name": " 申请人6 "})
    assert found.status_code == 200 and _status_of(found) == "有效"
    text = found.content.decode()
    assert "申请人6" in text and regular.number in text and "普通会员" in text
    # masked: the phone and ID never in full
    assert "13912345678" not in text
    wrong = client.get("/verify/", {"number": cert.number, "name": "申请人7"})
    assert wrong.status_code == 404 and "未找到该证书" in wrong.content.decode()
    half = client.get("/verify/", {"number": cert.number, "name": ""})
    assert half.status_code == 400 and "请输入证书编号和证书上的姓名" in half.content.decode()


def test_lookups_are_rate_limited_by_client_address(alpha, settings):
    from django.test import Client

    settings.CERTIFICATE_LOOKUPS_PER_IP_PER_HOUR = 3
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.get("/verify/" + "a" * 43 + "/").status_code == 404
    refused = client.get("/verify/" + "a" * 43 + "/")
    assert refused.status_code == 429
    assert "您所在网络在一小时内查询次数过多，请稍后再试。" in refused.content.decode()
    # another address is not held back
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="203.0.113.10")
    assert other.get("/verify/" + "a" * 43 + "/").status_code == 404


def test_the_verification_page_reads_a_constant_number_of_queries(alpha):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with schema_context("alpha"):
        codes = [Certificate.objects.get(membership=member("regular", n)).code
                 for n in (7, 8)]
    client = Client(HTTP_HOST=alpha.host)
    client.get(f"/verify/{codes[0]}/")  # the tenant's domain cached
    for code in codes:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/verify/{code}/").status_code == 200
        # the schema's search path, then the certificate with its membership: one query
        assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]


def test_paper_queue_printed_then_mailed_and_the_member_is_told(alpha):
    with schema_context("alpha"):
        senior = member("senior", 9)
        paper = Certificate.objects.get(membership=senior, kind="paper")
    staff = alpha.client("hq_admin")
    queue = staff.get("/manage/certificates/paper/?state=to_make").content.decode()
    assert "纸质证书" in queue and paper.number in queue and "标记已打印" in queue
    # mailed before printed: refused
    early = staff.post(f"/manage/certificates/paper/{paper.number}/mailed/",
                       {"tracking_number": "SF1234567890"})
    assert early.status_code == 409
    assert staff.post(f"/manage/certificates/paper/{paper.number}/printed/",
                      {"state": "to_make"}).status_code == 302
    missing = staff.post(f"/manage/certificates/paper/{paper.number}/mailed/",
                         {"tracking_number": ""})
    assert missing.status_code == 400 and "请填写快递单号。" in missing.content.decode()
    bad = staff.post(f"/manage/certificates/paper/{paper.number}/mailed/",
                     {"tracking_number": "<script>"})
    assert bad.status_code == 400
    assert staff.post(f"/manage/certificates/paper/{paper.number}/mailed/",
                      {"tracking_number": "SF1234567890"}).status_code == 302
    with schema_context("alpha"):
        paper.refresh_from_db()
        assert (paper.paper_state, paper.tracking_number) == ("mailed", "SF1234567890")
        inbox = OutboxMessage.objects.get(event="certificate_mailed", channel="inbox")
        assert inbox.subject == "您的纸质证书已寄出"
        assert inbox.body.startswith(
            f"申请人9，Alpha Society已寄出您的纸质证书（编号{paper.number}），快递单号"
            "SF1234567890。可登录会员中心在“我的证书”查看：http://alpha.localhost")
        assert OutboxMessage.objects.filter(event="certificate_mailed",
                                            channel="sms").exists()
    mine = client_for(senior.user, alpha.host).get("/member/certificates/").content.decode()
    assert "已邮寄" in mine and "SF1234567890" in mine
    # a member, a reviewer: no queue
    assert alpha.client("member").get("/manage/certificates/paper/").status_code == 403
    assert alpha.client("reviewer").get("/manage/certificates/paper/").status_code == 403


def test_a_page_of_the_queue_printed_as_one_pdf_then_marked_printed_at_once(alpha):
    import pypdfium2 as pdfium

    with schema_context("alpha"):
        seniors = [member("senior", n) for n in (61, 62, 63)]
        numbers = [Certificate.objects.get(membership=s, kind="paper").number for s in seniors]
        # a lapsed member's certificate not yet made is never made: out of the queue
        from tenant_apps.certificates.services import certificates_revoke_lapsed

        certificates_revoke_lapsed([seniors[2].pk])
    staff = alpha.client("hq_admin")
    queue = staff.get("/manage/certificates/paper/?state=to_make").content.decode()
    assert numbers[0] in queue and numbers[1] in queue and numbers[2] not in queue
    assert "下载本页 2 张证书（一个 PDF）" in queue and "将本页 2 张证书标记为已打印" in queue
    response = staff.get("/manage/certificates/paper/print/?page=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert re.search(r'filename="paper-certificates-\d{8}\.pdf"',
                     response["Content-Disposition"])
    document = pdfium.PdfDocument(response.content)
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    assert len(pages) == 2
    assert "申请人61" in pages[0] and "申请人62" in pages[1]
    # the form sent twice (a double click) marks each once; an unknown number changes nothing
    form = {"number": [numbers[0], numbers[1], "ALPHA-1999-999999"]}
    assert staff.post("/manage/certificates/paper/printed/", form).status_code == 302
    again = staff.post("/manage/certificates/paper/printed/", form, follow=True)
    assert "已将 0 张纸质证书标记为已打印。" in again.content.decode()
    with schema_context("alpha"):
        assert sorted(Certificate.objects.filter(number__in=numbers).values_list(
            "number", "paper_state")) == [(numbers[0], "printed"), (numbers[1], "printed"),
                                          (numbers[2], "to_make")]
        assert AuditEntry.objects.filter(action="certificate.printed").count() == 2
    assert alpha.client("reviewer").get(
        "/manage/certificates/paper/print/").status_code == 403
    assert alpha.client("reviewer").post(
        "/manage/certificates/paper/printed/", form).status_code == 403


def test_staff_reissue_and_revoke_with_a_reason(alpha):
    with schema_context("alpha"):
        regular = member("regular", 10)
        cert = Certificate.objects.get(membership=regular)
    staff = alpha.client("hq_admin")
    page = staff.get(f"/manage/members/{regular.number}/?show=certificates").content.decode()
    assert cert.number in page and "重新颁发" in page and "注销" in page
    base = f"/manage/members/{regular.number}/certificates/{cert.number}"
    no_reason = staff.post(f"{base}/revoke/", {"reason": ""})
    assert no_reason.status_code == 400 and "请填写原因。" in no_reason.content.decode()
    assert staff.post(f"{base}/reissue/", {"reason": "证书遗失"}).status_code == 302
    with schema_context("alpha"):
        new = Certificate.objects.get(membership=regular, status="issued")
        assert new.number == f"ALPHA-{YEAR}-000002"
        assert AuditEntry.objects.get(action="certificate.reissued").reason == "证书遗失"
    assert staff.post(f"/manage/members/{regular.number}/certificates/{new.number}/revoke/",
                      {"reason": "冒用"}).status_code == 302
    assert _status_of(_verify(alpha.host, new.code)) == "已注销"
    with schema_context("alpha"):
        # the next change of the membership does not issue it again by itself
        from tenant_apps.certificates.services import certificates_refresh

        assert certificates_refresh(regular) == []
    # a reviewer (no certificates.manage) sees no buttons and is refused
    reviewer = alpha.client("reviewer")
    assert "certificate-reissue" not in reviewer.get(
        f"/manage/members/{regular.number}/?show=certificates").content.decode()
    assert reviewer.post(f"{base}/reissue/", {"reason": "x"}).status_code == 403


def test_transitions_as_written_by_hand():
    from tenant_apps.certificates.state import check_paper_transition, check_transition

    allowed = [("issued", "superseded"), ("issued", "revoked")]
    for current in ("issued", "superseded", "revoked"):
        for target in ("issued", "superseded", "revoked"):
            if (current, target) in allowed:
                check_transition(current, target)
            else:
                with pytest.raises(AppError):
                    check_transition(current, target)
    paper_allowed = [("to_make", "printed"), ("printed", "mailed")]
    for current in ("to_make", "printed", "mailed"):
        for target in ("to_make", "printed", "mailed"):
            if (current, target) in paper_allowed:
                check_paper_transition(current, target)
            else:
                with pytest.raises(AppError):
                    check_paper_transition(current, target)


def test_a_unit_shows_its_name_and_credit_code_in_full():
    from django.test import Client

    from tenant_apps.applications.tests.helpers import VALID_USCC

    slug = provision("cacem")
    with schema_context(slug):
        unit = member("unit", 41, rank="council",
                      answers={"company_name": "中建示范第九工程局有限公司"})
        cert = Certificate.objects.get(membership=unit)
    page = Client(HTTP_HOST=f"{slug}.localhost").get(f"/verify/{cert.code}/")
    text = page.content.decode()
    assert _status_of(page) == "有效"
    assert "单位名称" in text and "统一社会信用代码" in text
    assert VALID_USCC in text  # in full, as associations publish it
    assert "单位会员 · 理事单位" in text


def test_a_type_whose_document_is_a_member_card_gets_a_card():
    """CAQ's 我的会员卡: `certificate: {card: true}` in the member type's configuration."""
    from tenant_apps.configuration.models import ConfigurationRevision

    slug = provision("caq")
    with schema_context(slug):
        revision = ConfigurationRevision.objects.first()
        document = revision.document
        for mtype in document["member_types"]:
            if mtype["code"] == "individual":
                mtype["certificate"] = {**mtype.get("certificate", {}), "card": True}
        ConfigurationRevision.objects.filter(pk=revision.pk).update(document=document)
        person = member("individual", 51)
        (card,) = Certificate.objects.filter(membership=person)
        assert card.kind == "card"
    client = client_for(person.user, f"{slug}.localhost")
    page = client.get("/member/certificates/").content.decode()
    assert "会员卡" in page and 'class="certificate-image member-card"' in page
    # a card and no certificate: the menu and the page say 我的会员卡, the number 卡号
    assert "<h1>我的会员卡</h1>" in page and "<title>我的会员卡" in page
    assert 'aria-current="page">我的会员卡</a>' in page and "我的证书" not in page
    assert "<dt>卡号</dt>" in page
    from PIL import Image

    image = client.get(f"/member/certificates/{card.number}/image.png")
    width, height = Image.open(io.BytesIO(image.content)).size
    assert abs(width / height - 85.6 / 54) < 0.02  # a card (ISO/IEC 7810 ID-1)
