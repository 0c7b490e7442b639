"""Certificates in Chromium (issue 12 "Done when").

A CMES senior (高级会员, 电子证书、纸质证书) joined without a photo: 我的证书 asks for one
("上传个人照片，生成电子版会员证"); once uploaded the electronic certificate is issued. The PDF
downloaded is rendered with pdftoppm: its text names the member and both numbers, and its QR
code, decoded from the rendered image with zxing-cpp, opens the association's verification
page, which reads 有效. The nightly job then lapses the membership (12 months unpaid, CMES) and
the same QR code reads 已失效.

A Jiangsu member unit prints its 《团体会员证书》 from 我的证书, and a stranger finds it at 证书查询
by its number and the unit's name, with the unit's credit code in full."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SLUG = "certcmes"
SENIOR = {"name": "证书会员", "phone": "13600000501", "email": "cert@certcmes-member.test",
          "password": "Cert-2026-photo"}
UNIT_PASSWORD = "Qx-9876-passw0rd"  # records.tests.helpers' applicants
THIS = timezone.localdate().year


@pytest.fixture(scope="module")
def cert_cmes(demo_tenants, django_db_blocker):
    """A CMES association of the test's own (the nightly job moves every member of it), with
    a senior member who joined without a photo (committed; dropped afterwards)."""
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import (
        application_payment_confirmed,
        application_start,
        application_submit,
        review_decide,
    )
    from tenant_apps.applications.tests.helpers import complete
    from tenant_apps.configuration.models import MemberType
    from tenants.models import Association
    from tenants.services import association_create, association_delete
    from tests.harness import PASSWORD

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for stale in Association.objects.filter(slug=SLUG):
            association_delete(acting_user=None, association=stale)
        association_create(acting_user=None, name="中国机械工程学会", slug=SLUG, profile="cmes",
                           admin_name="管理员", admin_email=f"admin@{SLUG}.test",
                           admin_password=PASSWORD)
        with schema_context(SLUG):
            reviewer = user_create(acting_user=None, name="会员工作组", username="cc-reviewer",
                                   password=PASSWORD, roles=[Role.REVIEWER])
            person = user_create(acting_user=None, **SENIOR)
            app = application_start(applicant=person,
                                    member_type=MemberType.objects.get(code="senior"))
            complete(app)
            app.refresh_from_db()
            app.answers = {**app.answers, "photo": None}
            app.save(update_fields=["answers"])
            app = application_submit(application=app, actor=person)
            app = review_decide(application=app, actor=reviewer, decision="approve",
                                expected_position=app.review_position)
            application_payment_confirmed(application=app, actor=None)
        connection.set_schema_to_public()
    yield SLUG
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for association in Association.objects.filter(slug=SLUG):
            association_delete(acting_user=None, association=association)
        connection.close()  # see created_by_browser in conftest.py


def _portrait(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (225, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 205, 190), fill=(60, 60, 70))
    draw.rectangle((60, 220, 240, 400), fill=(40, 60, 110))
    image.save(path, "JPEG")
    return path


def _lapse(blocker, port: int) -> None:
    """Validity ended 13 months ago, then the nightly job as the deployment runs it, in a
    thread of its own (its own connection: it commits)."""
    failed = []

    def job():
        try:
            from tenant_apps.memberships.models import Membership

            with schema_context(SLUG):
                today = timezone.localdate()
                Membership.objects.filter(user__phone=SENIOR["phone"]).update(
                    valid_until=dt.date(today.year - 2, 12, 31))
            out = StringIO()
            call_command("membership_lifecycle", today=today.isoformat(), association=SLUG,
                         stdout=out)
        except BaseException as exc:
            failed.append(exc)
        finally:
            connections.close_all()

    with blocker.unblock():
        thread = threading.Thread(target=job)
        thread.start()
        thread.join()
    if failed:
        raise failed[0]


def test_a_cmes_senior_uploads_a_photo_downloads_the_pdf_and_its_qr_verifies(
        server, cert_cmes, phone, desktop, django_db_blocker, tmp_path):
    import zxingcpp
    from PIL import Image

    base = f"http://{SLUG}.localhost:{server}"
    login(phone, base, SENIOR["phone"], SENIOR["password"])
    phone.goto(f"{base}/member/certificates/")
    assert phone.locator(".certificate-photo h2").inner_text() == "上传个人照片，生成电子版会员证"
    # 高级会员: the paper certificate is being made meanwhile (photos go by post)
    assert phone.locator(".certificate-paper .paper-state").inner_text().startswith("待制作")
    assert phone.locator(".certificate-electronic").count() == 0
    screenshot(phone, "certificate-photo-asked-phone")
    phone.set_input_files("input[name=photo]", str(_portrait(tmp_path / "me.jpg")))
    phone.click(".certificate-photo button[type=submit]")
    phone.wait_for_load_state()
    assert "照片已保存，会员证已生成。" in phone.locator(".flash").inner_text()
    card = phone.locator(".certificate-electronic")
    number = card.locator(".certificate-number").inner_text().strip()
    assert number == f"CERTCMES-{THIS}-000002"  # the paper one took 000001 at joining
    # the image fits the phone and was drawn (not a broken image)
    assert phone.evaluate("document.querySelector('.certificate-electronic img')"
                          ".naturalWidth") >= 1000
    assert fits_the_screen(phone)
    screenshot(phone, "certificate-mine-phone")
    member_number = phone.locator(".certificate-electronic dd").nth(2).inner_text().strip()
    assert member_number == "E000000001S"
    with phone.expect_download() as download:
        card.locator(".certificate-download").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename == f"{number}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "证书会员" in text and number in text and member_number in text
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    ARTIFACTS.mkdir(exist_ok=True)
    rendered = Image.open(tmp_path / "page.png")
    rendered.save(ARTIFACTS / "certificate-cmes-pdf.png")
    (found,) = zxingcpp.read_barcodes(rendered)
    url = found.text
    assert url.startswith(f"http://{SLUG}.localhost:{server}/verify/")
    # a stranger scans it
    phone.context.clear_cookies()
    phone.goto(url)
    assert phone.locator(".live-status").inner_text() == "有效"
    assert phone.locator(".verify-name").inner_text() == "证书会员"
    body = phone.locator("main").inner_text()
    assert "以在线查询结果为准" in body and "139****5678" in body and "13600000501" not in body
    assert fits_the_screen(phone)
    screenshot(phone, "certificate-verify-valid-phone")
    # staff print and mail the paper certificate; the member follows it
    from tests.harness import PASSWORD

    login(desktop, base, f"admin@{SLUG}.test", PASSWORD)
    desktop.goto(f"{base}/manage/members/{member_number}/?show=certificates")
    rows = desktop.locator(".member-certificates tbody tr")
    assert rows.count() == 2
    screenshot(desktop, "certificate-staff-member-tab")
    desktop.goto(f"{base}/manage/certificates/paper/")
    paper = desktop.locator(f".paper-row[data-number='CERTCMES-{THIS}-000001']")
    assert paper.locator(".paper-state").inner_text() == "待制作"
    paper.locator(".mark-printed").click()
    desktop.wait_for_load_state()
    paper = desktop.locator(f".paper-row[data-number='CERTCMES-{THIS}-000001']")
    assert paper.locator(".paper-state").inner_text() == "已打印"
    paper.locator("input[name=tracking_number]").fill("SF1234567890")
    paper.locator(".mark-mailed").click()
    desktop.wait_for_load_state()
    assert "已标记为已邮寄，已通知会员。" in desktop.locator(".flash").inner_text()
    screenshot(desktop, "certificate-paper-queue")
    login(phone, base, SENIOR["phone"], SENIOR["password"])
    phone.goto(f"{base}/member/certificates/")
    assert phone.locator(".certificate-paper .paper-state").inner_text().startswith(
        "已邮寄 · 快递单号 SF1234567890")
    # a year unpaid: the nightly job lapses the membership; the same QR code says so
    _lapse(django_db_blocker, server)
    connection.set_schema_to_public()
    phone.goto(url)
    assert phone.locator(".live-status").inner_text() == "已失效"
    screenshot(phone, "certificate-verify-lapsed-phone")


@pytest.fixture(scope="module")
def jsgas_unit(demo_tenants, django_db_blocker):
    """A Jiangsu member unit through the real journey (committed in the demo Jiangsu)."""
    from tenant_apps.certificates.models import Certificate
    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.tests.helpers import member

    with django_db_blocker.unblock(), schema_context("jsgas"):
        membership = Membership.objects.filter(user__phone="13900000731").first() or member(
            "unit", 731, answers={"unit_name": "南京示范燃气有限公司"})
        cert = Certificate.objects.get(membership=membership, kind="electronic",
                                       status="issued")
        found = {"number": cert.number, "member_number": membership.number,
                 "phone": "13900000731"}
    connection.set_schema_to_public()
    return found


def test_a_jiangsu_member_prints_its_certificate_and_a_stranger_finds_it(
        server, jsgas_unit, desktop, phone):
    base = f"http://jsgas.localhost:{server}"
    login(desktop, base, jsgas_unit["phone"], UNIT_PASSWORD)
    desktop.goto(f"{base}/member/certificates/")
    assert desktop.locator("h1").inner_text() == "我的证书"
    row = desktop.locator(f".certificate-electronic[data-number='{jsgas_unit['number']}']")
    assert row.locator("dd").nth(1).inner_text() == "南京示范燃气有限公司"
    screenshot(desktop, "certificate-jsgas-mine-desktop")
    row.locator(".certificate-print").click()
    desktop.wait_for_load_state()
    image = desktop.locator("img.printed-certificate")
    assert desktop.evaluate("document.querySelector('img.printed-certificate').complete && "
                            "document.querySelector('img.printed-certificate').naturalWidth"
                            ) >= 1000
    assert image.is_visible()
    desktop.emulate_media(media="print")
    assert not desktop.locator(".print-bar").is_visible()  # only the certificate is printed
    screenshot(desktop, "certificate-jsgas-print")
    desktop.emulate_media(media="screen")
    # a stranger, on a phone: 证书查询 by number and unit name
    phone.goto(f"{base}/verify/")
    assert phone.locator("h1").inner_text() == "证书查询"
    phone.fill("#v_number", jsgas_unit["number"])
    phone.fill("#v_name", "南京示范燃气有限公司")
    phone.click(".verify-form form:first-of-type button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".live-status").first.inner_text() == "有效"
    body = phone.locator(".verify-result").inner_text()
    assert "南京示范燃气有限公司" in body
    assert jsgas_unit["member_number"] in body
    assert fits_the_screen(phone)
    screenshot(phone, "certificate-jsgas-lookup-phone")
    # a wrong name: not found, nobody named
    phone.fill("#v_name", "别的公司")
    phone.click(".verify-form form:first-of-type button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".live-status").inner_text() == "未找到该证书"
    assert "南京示范燃气有限公司" not in phone.locator(".verify-result").inner_text()
