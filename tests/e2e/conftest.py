"""Browser tests: real Chromium (Debian's, headless) against the app served by a real server
process on the test database (the `server` fixture, in tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import ARTIFACTS
from tests.harness import PASSWORD

CHROMIUM = os.environ.get("HUIJI_CHROMIUM", "/usr/bin/chromium")


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
                               admin_email="admin@gensoc.test", admin_password=PASSWORD,
                               bank_account={"account_name": "示例学会",
                                             "account_number": "6222000011112222",
                                             "bank_name": "建设银行北京分行"})
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


def sms_code(gateway, phone: str) -> str:
    for _ in range(50):
        for message in reversed(gateway.messages):
            if message["phone"] == phone:
                return message["params"]["code"]
        time.sleep(0.1)
    raise AssertionError(f"no SMS reached {phone}")


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
    page.goto(f"{base}/login/?mode=password")  # Jiangsu's page opens on the SMS code
    page.fill("input[name=username]", identifier)
    page.fill("input[name=password]", password)
    solve_slider(page)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()


def puzzle_target(page) -> int:
    """The gap's place of the puzzle the page shows, read from the server's store (as a person
    sees it in the picture; the page holds only the puzzle's id)."""
    from urllib.parse import urlsplit

    from tests.conftest import human_check_store
    from tests.harness import puzzle_answer, schema_for_host

    puzzle_id = page.locator(".humancheck input[name=hc_token]").input_value()
    return puzzle_answer(puzzle_id, schema_for_host(urlsplit(page.url).hostname),
                         store=human_check_store())


def _drag_path(start: float, end: float) -> list[float]:
    """Where a hand's pointer is, frame by frame, dragging from start to end: it speeds up,
    slows down, goes a little past and comes back."""
    steps = 22
    path = [start + (end - start) * (1 - (1 - i / steps) ** 3) for i in range(1, steps + 1)]
    return [*path[:-3], end + 3, end + 1.5, end]


def solve_slider(page, *, touch: bool = False) -> None:
    """Drag the human check's handle until the piece sits in the gap, as a person does: with
    the mouse, or (touch=True) a finger on a touch screen. Waits first, as a person looks
    at the picture before dragging."""
    if not page.locator(".humancheck").count():
        return
    page.locator(".hc-track").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.hc-bg').complete")
    target = puzzle_target(page)
    track = page.locator(".hc-track").bounding_box()
    handle = page.locator(".hc-handle").bounding_box()
    travel = int(page.locator(".humancheck").get_attribute("data-width")) - int(
        page.locator(".humancheck").get_attribute("data-piece-width"))
    x0 = handle["x"] + handle["width"] / 2
    y = handle["y"] + handle["height"] / 2
    # the handle's centre runs over the track's width while the piece runs over `travel`
    end = track["x"] + track["width"] * target / travel
    page.wait_for_timeout(400)
    if touch:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                               "touchPoints": [{"x": x0, "y": y}]})
        for x in _drag_path(x0, end):
            page.wait_for_timeout(16)
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                   "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()
    else:
        page.mouse.move(x0, y)
        page.mouse.down()
        for x in _drag_path(x0, end):
            page.wait_for_timeout(16)
            page.mouse.move(x, y)
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
        if kind == "richtext":
            # typed into the editor (Quill), which writes its HTML into the hidden textarea
            editor = field.locator(".ql-editor")
            editor.click()
            page.keyboard.type(values[kind])
            assert field.locator("textarea").input_value() == f"<p>{values[kind]}</p>"
        elif kind in values:
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
