"""The certificate design screen in the browser: an item moved (typed and dragged) changes
the live preview without a page load, and Save keeps it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_hq_admin_moves_an_item_and_saves(server, desktop):
    page = desktop
    base = f"http://cmes.localhost:{server}"
    # the page's own code breaks no Content-Security-Policy (the preview is a same-origin
    # image, not a blob: or data: address); the test's wait_for_function is the one eval
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text and "unsafe-eval" not in m.text else None)
    login(page, base, "admin@cmes.test")
    page.goto(f"{base}/manage/certificates/design/?type=senior&document=electronic")
    image = page.locator("#design-image")
    page.wait_for_function("document.getElementById('design-image').dataset.version")
    first = image.get_attribute("src")
    page.wait_for_function("document.getElementById('design-image').naturalWidth === 1000")
    first_png = image.screenshot()

    # the member number (会员编号：...) moves 30 mm to the right by typing
    number = page.locator(".design-item", has=page.locator("select[data-role=field] "
                                                          "option[value=number][selected]"))
    x = number.locator("[data-role=x]")
    assert x.input_value() == "88.0"
    x.fill("118")
    page.wait_for_function(f"document.getElementById('design-image').getAttribute('src') "
                           f"!== '{first}'")
    page.wait_for_function("document.getElementById('design-image').complete")
    assert image.screenshot() != first_png
    assert page.url.endswith("document=electronic")  # no page load

    # a marker dragged on the preview moves its item too
    marker = page.locator(".design-marker").first
    box = marker.bounding_box()
    title_x = page.locator(".design-item").first.locator("[data-role=x]")
    before = float(title_x.input_value())
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    assert float(title_x.input_value()) > before
    assert fits_the_screen(page)
    screenshot(page, "certificate-design-desktop")

    page.click("#design-form button[type=submit]")
    page.wait_for_load_state()
    assert "已保存" in page.locator(".flash").inner_text()
    assert number.locator("[data-role=x]").input_value() == "118.0"
    assert violations == []
