"""Browser tests: real Chromium (Debian's, headless) against the app served by a real server
process on the test database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.harness import PASSWORD
from tests.test_celery_worker import database_url

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("HUIJI_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_tenants(django_db_setup, django_db_blocker):
    """The four demo associations with their profiles, committed so the server process sees
    them. Their HQ administrators log in as admin@<slug>.test with the harness password."""
    from tenants.models import Association
    from tenants.profiles import load_profile
    from tenants.services import association_create

    slugs = ["cmes", "cacem", "caq", "jsgas"]
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for slug in slugs:
            if not Association.objects.filter(slug=slug).exists():
                association_create(acting_user=None, name=load_profile(slug)["association"][
                                   "name"], slug=slug, profile=slug, admin_name="管理员",
                                   admin_email=f"admin@{slug}.test", admin_password=PASSWORD)
    return slugs


@pytest.fixture(scope="session")
def payment_gateway(demo_tenants, django_db_blocker):
    """The fake WeChat Pay / Alipay gateway, with the CMES demo association's merchant
    accounts connected to it (committed, for the server to use)."""
    from django_tenants.utils import schema_context

    from huiji.payments.fake_gateway import FakePaymentGateway
    from tenant_apps.billing.tests.online import connect_accounts

    gateway = FakePaymentGateway().start()
    with django_db_blocker.unblock(), schema_context("cmes"):
        connect_accounts(gateway)
    connection.set_schema_to_public()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def cmes_member(demo_tenants, django_db_blocker):
    """A CMES regular member whose membership ends this 31 December (committed)."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate

    with django_db_blocker.unblock(), schema_context("cmes"):
        user = User.objects.filter(phone="13600000001").first()
        if user is None:
            user = user_create(acting_user=None, name="续费会员", phone="13600000001",
                               email="renew@example.test", password="Renew-2026-pass")
            membership_activate(acting_user=None, user=user,
                                member_type=MemberType.objects.get(code="regular"),
                                rank=None, years=1)
    connection.set_schema_to_public()
    return "13600000001", "Renew-2026-pass"


@pytest.fixture(scope="session")
def caq_secretariat(demo_tenants, django_db_blocker):
    """CAQ's secretariat, who gives the final approval after payment (committed)."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create

    with django_db_blocker.unblock(), schema_context("caq"):
        if not User.objects.filter(username="caq-secretariat").exists():
            user_create(acting_user=None, name="秘书处", username="caq-secretariat",
                        password=PASSWORD, roles=[Role.SECRETARIAT])
    connection.set_schema_to_public()
    return "caq-secretariat"


@pytest.fixture(scope="session")
def generic_society(demo_tenants, django_db_blocker):
    """A society with branches (seed 001's generic profile) and an administrator for two of
    its branches, committed for the server to see."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import Branch
    from tenants.models import Association
    from tenants.services import association_create

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        if not Association.objects.filter(slug="gensoc").exists():
            association_create(acting_user=None, name="示例学会", slug="gensoc",
                               profile="generic", admin_name="总会管理员",
                               admin_email="admin@gensoc.test", admin_password=PASSWORD)
        with schema_context("gensoc"):
            for code in ("east", "north"):
                if not User.objects.filter(username=f"{code}-admin").exists():
                    admin = user_create(acting_user=None, name=f"{code}分会管理员",
                                        username=f"{code}-admin", password=PASSWORD,
                                        roles=[Role.BRANCH_ADMIN])
                    Branch.objects.get(code=code).admins.add(admin)
        connection.set_schema_to_public()
    return "gensoc"


@pytest.fixture(scope="session")
def created_by_browser(django_db_blocker):
    """Slugs of associations that browser tests create through the running server; they are
    committed by that process, so they are deleted here, outside any test transaction."""
    slugs: list[str] = []
    yield slugs
    from tenants.models import Association
    from tenants.services import association_delete

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for association in Association.objects.filter(slug__in=slugs):
            association_delete(acting_user=None, association=association)
        # Playwright's event loop gives this teardown a context of its own, and so a database
        # connection of its own (asgiref locals follow contexts); close it, or it would keep
        # the test database from being dropped.
        connection.close()


@pytest.fixture(scope="session")
def sms_gateway():
    """The fake Aliyun gateway the browser tests' server sends its SMS to; tests read the
    codes from it as a person reads their phone."""
    from huiji.sms.fake_gateway import FakeSmsGateway

    gateway = FakeSmsGateway({"e2e-key": "e2e-secret"}).start()
    yield gateway
    gateway.stop()


def sms_code(gateway, phone: str) -> str:
    for _ in range(50):
        for message in reversed(gateway.messages):
            if message["phone"] == phone:
                return message["params"]["code"]
        time.sleep(0.1)
    raise AssertionError(f"no SMS reached {phone}")


@pytest.fixture(scope="session")
def server(demo_tenants, django_db_blocker, sms_gateway):
    """`manage.py runserver` on a free port, reading and writing the test database."""
    port = _free_port()
    # The demo's own settings (development), so the browser sees what `deploy/local/demo`
    # serves; only DEBUG is off, for the real error pages.
    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.development", "DEBUG": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SMS_BACKEND": "aliyun",
           "SMS_ACCESS_KEY_ID": "e2e-key", "SMS_ACCESS_KEY_SECRET": "e2e-secret",
           "SMS_SIGN_NAME": "会籍", "SMS_ENDPOINT": sms_gateway.url,
           "DATABASE_URL": database_url(), "HUIJI_PORT": str(port)}
    env.pop("CELERY_BROKER_URL", None)
    # The server's output goes to a file: a pipe nobody reads fills up (console emails are
    # long) and then blocks the server mid-request.
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / "server.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure",
         f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        text=True)
    base = f"http://localhost:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 (local)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("the server did not start; see test-artifacts/server.log")
    yield port
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    _wait_for_sessions_to_close(django_db_blocker)


def _wait_for_sessions_to_close(django_db_blocker) -> None:
    """Before pytest-django drops the test database, no other session may use it.

    PostgreSQL ends a dead client's backend a moment after the process exits, so wait for the
    server's sessions. Sessions of this process's own can linger too: Playwright's event loop
    gives the tests run while a browser is open a context of their own, and with it (asgiref
    locals follow contexts) a database connection of their own, idle once its test rolled
    back. Those are ended here."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        others = ("FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid()")
        for _ in range(50):
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
            cursor.execute(f"SELECT pg_terminate_backend(pid) {others} "
                           "AND state = 'idle' AND client_port IS NOT NULL "
                           "AND backend_start < now() - interval '1 second'")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (deploy/local/test installs it)"
        if os.environ.get("HUIJI_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the Django calls the tests
    # make alongside it are ordinary synchronous ones. Only while browsers run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield instance
        instance.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone(browser):
    """A page the size of a phone screen, in Chinese."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base: str, identifier: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", identifier)
    page.fill("input[name=password]", password)
    solve_slider(page)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()


def solve_slider(page) -> None:
    """Drag the slider's handle onto the mark, as a person does."""
    if not page.locator(".humancheck").count():
        return
    target = float(page.locator(".humancheck").get_attribute("data-target"))
    page.locator(".hc-track").scroll_into_view_if_needed()
    track = page.locator(".hc-track").bounding_box()
    handle = page.locator(".hc-handle").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * target / 100,
                    track["y"] + track["height"] / 2, steps=12)
    page.mouse.up()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
       b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fill_step(page, *, uscc: str) -> None:
    """Fill every field of a wizard step by its type, the first entry of each group only."""
    form = page.locator("main form[method=post]").first
    values = {"text": "测试内容", "textarea": "测试内容", "richtext": "我们是一家测试单位。",
              "phone": "13912345678", "email": "contact@example.test", "uscc": uscc,
              "postcode": "210000", "url": "https://example.test", "date": "2027-06-30",
              "number": "10", "cn_id": "11010519491231002X"}
    for field in form.locator(":scope .field").all():
        if field.locator(":scope > fieldset").count():
            continue  # a group: its entries are fields too
        group = field.locator("xpath=ancestor::div[contains(@class,'group-item')]")
        if group.count() and group.first.evaluate(
                "el => el.previousElementSibling && "
                "el.previousElementSibling.classList.contains('group-item')"):
            continue  # fill only the first entry of a group
        kind = next((c[6:] for c in (field.get_attribute("class") or "").split()
                     if c.startswith("field-")), "")
        if kind in values:
            control = field.locator("input, textarea").first
            control.fill(values[kind])
        elif kind == "choice":
            select = field.locator("select").first
            select.select_option(index=1)
        elif kind == "multichoice":
            field.locator("input[type=checkbox]").first.check()
        elif kind == "region":
            field.locator("select").first.select_option("320000")
            field.locator("select").nth(1).select_option("320100")
        elif kind == "image":
            field.locator("input[type=file]").set_input_files(files=[{
                "name": "logo.png", "mimeType": "image/png", "buffer": PNG}])


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1")
