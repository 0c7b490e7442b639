"""The human check in Chromium, as people use it: dragged with a mouse on a desktop, with a
finger on a 390 px phone, moved with the arrow keys; a piece left beside the gap brings a new
picture and the message in Chinese; 换一张 gives a new picture. CMES always asks for it on
its login page.

The answer is read from the server's store (tests/conftest.py: human_check_store), as a person
sees the gap in the picture: the page has none."""

from __future__ import annotations

import random

import pytest

from tests.e2e.conftest import puzzle_target, screenshot, solve_slider
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

REFUSED = "安全验证未通过，请将拼图块拖入新图片的缺口。"


def _open_login(page, server: int) -> str:
    base = f"http://cmes.localhost:{server}"
    page.goto(f"{base}/login/?mode=password")
    page.fill("input[name=username]", "admin@cmes.test")
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_function("document.querySelector('.hc-bg').complete "
                           "&& document.querySelector('.hc-bg').naturalWidth > 0")
    return base


def _submit(page) -> None:
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()


def _logged_in(page) -> bool:
    return "/login/" not in page.url


def test_a_mouse_drag_passes_on_a_desktop(server, desktop):
    page = desktop
    _open_login(page, server)
    assert page.locator(".humancheck label").inner_text() == "安全验证：拖动滑块，将拼图块移入缺口"
    assert page.locator(".hc-refresh").inner_text() == "换一张"
    assert page.locator(".hc-bg").get_attribute("alt") == "带有拼图缺口的图片"
    assert page.locator(".hc-track").get_attribute("role") == "slider"
    page.wait_for_timeout(300)
    screenshot(page, "human-check-1280")
    solve_slider(page)
    screenshot(page, "human-check-1280-solved")
    _submit(page)
    assert _logged_in(page), page.locator(".form-error").all_inner_texts()


def test_a_finger_drag_passes_on_a_phone(server, phone):
    page = phone
    _open_login(page, server)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = page.locator(".hc-puzzle").bounding_box()
    assert box["width"] > 300 and box["x"] + box["width"] <= 390
    page.locator(".hc-track").scroll_into_view_if_needed()
    screenshot(page, "human-check-390")
    solve_slider(page, touch=True)
    # the piece went along with the finger
    assert float(page.locator("input[name=hc_position]").input_value()) > 50
    screenshot(page, "human-check-390-solved")
    _submit(page)
    assert _logged_in(page), page.locator(".form-error").all_inner_texts()


def test_the_arrow_keys_move_the_piece(server, desktop):
    page = desktop
    _open_login(page, server)
    target = puzzle_target(page)
    page.wait_for_timeout(300)
    page.focus(".hc-track")
    pace = random.Random(7)  # a person's uneven pace
    while target - float(page.locator("input[name=hc_position]").input_value() or 0) >= 10:
        page.keyboard.press("Shift+ArrowRight")
        page.wait_for_timeout(pace.randint(30, 140))
    while float(page.locator("input[name=hc_position]").input_value()) < target - 1:
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(pace.randint(60, 200))
    assert page.locator(".hc-track").get_attribute("aria-valuenow") != "0"
    _submit(page)
    assert _logged_in(page), page.locator(".form-error").all_inner_texts()


def test_a_piece_beside_the_gap_brings_a_new_picture(server, desktop):
    page = desktop
    _open_login(page, server)
    first = page.locator("input[name=hc_token]").input_value()
    target = puzzle_target(page)
    page.wait_for_timeout(400)
    page.focus(".hc-track")
    # well short of the gap
    for _ in range(max(1, (target - 40) // 10)):
        page.keyboard.press("Shift+ArrowRight")
        page.wait_for_timeout(60)
    page.keyboard.press("ArrowRight")
    _submit(page)
    assert not _logged_in(page)
    assert REFUSED in page.locator(".form-error").inner_text()
    assert page.locator("input[name=hc_token]").input_value() != first
    page.fill("input[name=password]", PASSWORD)
    solve_slider(page)
    _submit(page)
    assert _logged_in(page)


def test_a_new_picture_on_request(server, desktop):
    page = desktop
    _open_login(page, server)
    first = page.locator("input[name=hc_token]").input_value()
    old_src = page.locator(".hc-bg").get_attribute("src")
    page.click(".hc-refresh")
    page.wait_for_function(f"document.querySelector('input[name=hc_token]').value !== '{first}'")
    assert page.locator(".hc-bg").get_attribute("src") != old_src
    page.wait_for_function("document.querySelector('.hc-bg').complete "
                           "&& document.querySelector('.hc-bg').naturalWidth > 0")
    solve_slider(page)
    _submit(page)
    assert _logged_in(page)
