"""Announcements in Chromium (issue 13, part 1, "Done when"):

- the generic society (公告动态): a branch administrator writes an announcement for their
  branch in the Quill editor, with a script slipped into the text; it is stored sanitised and
  never runs for the member of that branch who reads it (unread, then read), and a member of
  another branch never sees it, not in the list and not at its address;
- CAQ (活动通告): the HQ administrator publishes a public, pinned announcement with an
  attachment and sends it to the members' inbox after seeing how many will get it; a visitor
  sees it on the association's home, a member on their phone under 活动通告 on the member home,
  and downloads the attachment."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import PDF, fits_the_screen, login, screenshot
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# No other test's accounts.
EAST, NORTH, CAQ_MEMBER = "13600008181", "13600008282", "13600008383"
SCRIPT = ('<p>请各位会员准时参加。</p><script>window.pwned = 1</script>'
          '<img src="x" onerror="window.pwned = 2"><a href="javascript:window.pwned=3">报名</a>')


def _member(phone: str, name: str, type_code: str, branch: str | None = None):
    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.directory.services import refresh_entries
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import MemberRecord

    if User.objects.filter(phone=phone).exists():
        return
    user = user_create(acting_user=None, name=name, phone=phone, password=PASSWORD,
                       email=f"{phone}@example.test")
    membership = membership_activate(acting_user=None, user=user, rank=None, years=1,
                                     member_type=MemberType.objects.get(code=type_code))
    MemberRecord.objects.update_or_create(membership=membership, defaults={
        "branch": Branch.objects.get(code=branch) if branch else None})
    refresh_entries([membership.pk])


@pytest.fixture(scope="module")
def readers(generic_society, demo_tenants, django_db_blocker):
    """Members of 华东分会 and 华北分会 of the generic society, and a CAQ individual member,
    committed for the server to see; their announcements are removed afterwards."""
    from django_tenants.utils import schema_context

    from tenant_apps.configuration.models import MemberType

    with django_db_blocker.unblock():
        with schema_context("gensoc"):
            code = MemberType.objects.filter(kind="individual").first().code
            _member(EAST, "华东会员", code, "east")
            _member(NORTH, "华北会员", code, "north")
        with schema_context("caq"):
            _member(CAQ_MEMBER, "质协会员", "individual")
        connection.set_schema_to_public()
    yield
    from tenant_apps.announcements.models import Announcement

    with django_db_blocker.unblock():
        for slug in ("gensoc", "caq"):
            with schema_context(slug):
                Announcement.objects.all().delete()
        connection.set_schema_to_public()
        connection.close()


def test_a_branch_announcement_with_a_script_reaches_its_branch_only(
        server, desktop, browser, readers):
    base = f"http://gensoc.localhost:{server}"
    page = desktop
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, base, "east-admin")
    page.locator("header a", has_text="公告动态").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="发布公告").click()
    page.wait_for_selector(".ql-editor")
    page.fill("#f_title", "华东分会年会通知")
    page.locator(".ql-editor").click()
    page.keyboard.type("年会定于下月举行")
    # what a crafted post would carry: the editor's HTML with a script added to it
    page.evaluate("(html) => { document.querySelector('#f_body').value += html; }", SCRIPT)
    page.check("input[name=audience][value=members]")
    assert page.locator("input[name=branches]").count() == 1  # only their own branch offered
    page.check("input[name=branches][value=east]")
    screenshot(page, "announcement-write-desktop")
    page.get_by_role("button", name="保存并预览").click()
    page.wait_for_load_state()
    assert "公告已保存" in page.inner_text(".flash")
    assert page.locator(".announcement-status").inner_text() == "草稿"
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    assert page.locator(".announcement-status").inner_text() == "已发布"
    detail = page.url.replace("/manage/announcements/", "/announcements/") \
        .replace("/preview/", "/")

    from django_tenants.utils import schema_context

    from tenant_apps.announcements.models import Announcement

    with schema_context("gensoc"):
        stored = Announcement.objects.get(title="华东分会年会通知")
    connection.set_schema_to_public()
    assert "script" not in stored.body and "onerror" not in stored.body \
        and "javascript" not in stored.body
    assert "年会定于下月举行" in stored.body and "请各位会员准时参加" in stored.body

    east = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                               is_mobile=True, has_touch=True).new_page()
    east.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(east, base, EAST)
    east.goto(f"{base}/member/")
    panel = east.locator(".announcements-panel")
    assert panel.locator("h2").inner_text() == "公告动态"
    item = panel.locator(".announcement-item", has_text="华东分会年会通知")
    assert item.locator(".unread-mark").inner_text() == "未读"
    assert fits_the_screen(east)
    screenshot(east, "announcement-member-home-phone")
    item.locator("a.announcement-title").click()
    east.wait_for_load_state()
    assert east.locator("h1").inner_text() == "华东分会年会通知"
    assert "请各位会员准时参加" in east.locator(".announcement-body").inner_text()
    east.locator(".announcement-body a", has_text="报名").click(no_wait_after=True)
    assert east.evaluate("() => window.pwned") is None
    assert dialogs == []
    screenshot(east, "announcement-detail-phone")
    east.goto(f"{base}/member/")
    assert east.locator(".announcements-panel .unread-mark").count() == 0
    east.context.close()

    north = browser.new_context(locale="zh-CN").new_page()
    login(north, base, NORTH)
    north.goto(f"{base}/announcements/")
    assert "华东分会年会通知" not in north.content()
    assert north.goto(detail).status == 404
    north.context.close()


def test_caq_public_announcement_with_attachment_on_the_homes(
        server, desktop, browser, readers, tmp_path):
    base = f"http://caq.localhost:{server}"
    page = desktop
    login(page, base, "admin@caq.test")
    page.goto(f"{base}/manage/announcements/new/")
    page.wait_for_selector(".ql-editor")
    page.fill("#f_title", "关于公示全国质量标杆名单的通知")
    page.locator(".ql-editor").click()
    page.keyboard.type("现将名单予以公示。")
    page.check("input[name=audience][value=public]")
    page.check("input[name=pinned]")
    agenda = tmp_path / "公示名单.pdf"
    agenda.write_bytes(PDF)
    page.set_input_files("#f_attachments", str(agenda))
    page.get_by_role("button", name="保存并预览").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="推送给会员").click()
    page.wait_for_load_state()
    count = page.locator(".push-count").inner_text()
    assert count.startswith("将有 ") and count.endswith(" 位会员收到该公告。")
    screenshot(page, "announcement-push-desktop")
    page.get_by_role("button", name="确认发送").click()
    page.wait_for_load_state()

    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{base}/")
    panel = visitor.locator(".announcements-panel")
    assert panel.locator("h2").inner_text() == "活动通告"
    assert "关于公示全国质量标杆名单的通知" in panel.inner_text()
    panel.get_by_role("link", name="更多").click()
    visitor.wait_for_load_state()
    assert visitor.locator("h1").inner_text() == "活动通告"
    visitor.context.close()

    member = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                 is_mobile=True, has_touch=True, accept_downloads=True) \
        .new_page()
    login(member, base, CAQ_MEMBER)
    member.goto(f"{base}/member/")
    item = member.locator(".announcements-panel .announcement-item",
                          has_text="关于公示全国质量标杆名单的通知")
    assert item.locator(".badge", has_text="置顶").count() == 1
    item.locator("a.announcement-title").click()
    member.wait_for_load_state()
    with member.expect_download() as download:
        member.get_by_role("link", name="公示名单.pdf").click()
    assert download.value.suggested_filename == "公示名单.pdf"
    assert fits_the_screen(member)
    screenshot(member, "announcement-caq-detail-phone")
    member.goto(f"{base}/member/messages/")
    assert "关于公示全国质量标杆名单的通知" in member.content()
    member.context.close()
