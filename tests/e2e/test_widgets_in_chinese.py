"""What a person sees of two widgets in Chromium: the rich text editor's toolbar in Chinese
(Jiangsu's 单位介绍; Quill's labels overridden in richtext.css, tooltips from the page), and
the slider check's handle inside its bar on a 390 px phone."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="session")  # committed: the server process must see it
def jsgas_applicant(demo_tenants, django_db_blocker):
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.engine import form_steps
    from tenant_apps.applications.services import application_start, type_doc
    from tenant_apps.configuration.models import MemberType

    with django_db_blocker.unblock(), schema_context("jsgas"):
        user = User.objects.filter(phone="13600000092").first()
        if user is None:
            user = user_create(acting_user=None, name="编辑器测试", phone="13600000092",
                               email="editor@example.test", password="Editor-2026-pass")
            application = application_start(applicant=user,
                                            member_type=MemberType.objects.get(code="unit"))
        else:
            application = user.applications.first()
        step = next(s.index for s in form_steps(type_doc(application))
                    if any(f["key"] == "intro" for f in s.fields))
        public_id = application.public_id
    connection.set_schema_to_public()
    return "13600000092", "Editor-2026-pass", public_id, step


def _before(page, selector: str) -> str:
    return page.eval_on_selector(
        selector, "e => getComputedStyle(e, '::before').content")


def test_the_editor_toolbar_reads_in_chinese(server, desktop, jsgas_applicant):
    base = f"http://jsgas.localhost:{server}"
    phone, password, public_id, step = jsgas_applicant
    page = desktop
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, base, phone, password)
    page.goto(f"{base}/apply/{public_id}/step/{step}/")
    page.wait_for_selector(".ql-toolbar")
    assert _before(page, ".ql-picker.ql-header .ql-picker-label") == '"正文"'
    page.click(".ql-picker.ql-header .ql-picker-label")
    assert _before(page, '.ql-picker.ql-header .ql-picker-item[data-value="2"]') == '"标题 2"'
    assert _before(page, '.ql-picker.ql-header .ql-picker-item[data-value="3"]') == '"标题 3"'
    assert page.get_attribute(".ql-toolbar button.ql-bold", "title") == "加粗"
    assert page.get_attribute('.ql-toolbar button.ql-list[value="bullet"]',
                              "title") == "项目符号列表"
    assert page.get_attribute(".ql-toolbar button.ql-clean", "title") == "清除格式"
    toolbar = page.inner_text(".ql-toolbar")
    assert "Normal" not in toolbar and "Heading" not in toolbar
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]


def test_the_slider_handle_stays_inside_its_bar_on_a_phone(server, phone):
    page = phone
    page.goto(f"http://cmes.localhost:{server}/signup/")
    page.locator(".hc-track").scroll_into_view_if_needed()
    box = page.locator(".humancheck").bounding_box()
    handle = page.locator(".hc-handle").bounding_box()
    # at rest, at the left end: wholly inside the field, not past its left edge
    assert handle["x"] >= box["x"], (handle, box)
    # dragged as far right as it goes: not past the right edge either
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 40, handle["y"] + handle["height"] / 2, steps=8)
    page.mouse.up()
    handle = page.locator(".hc-handle").bounding_box()
    assert handle["x"] + handle["width"] <= box["x"] + box["width"], (handle, box)
    assert handle["x"] + handle["width"] > box["x"] + box["width"] - 60  # it did move
