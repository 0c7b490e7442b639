"""Announcements: audience in SQL, the state machine, sanitised text, staff scope, unread
marks, the push count, pages in Chinese, the list's query count (docs/announcements.md)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.announcements import selectors, services
from tenant_apps.announcements.models import Announcement
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.memberships.services import membership_activate

pytestmark = pytest.mark.django_db
SCRIPT = '<p>通知<script>alert("x")</script><img src=x onerror="alert(1)"></p>'


def _on():
    services.settings_apply(enabled=True, title="公告动态")


def _member(n: int, branch: str | None = None, code: str = "regular"):
    from tenant_apps.records.models import MemberRecord

    m = membership_activate(acting_user=None, user=applicant(n, name=f"会员{n}"), rank=None,
                            years=1, member_type=MemberType.objects.get(code=code))
    from tenant_apps.directory.services import refresh_entries

    MemberRecord.objects.update_or_create(membership=m, defaults={
        "branch": Branch.objects.get(code=branch) if branch else None})
    refresh_entries([m.pk])
    return m.user


def _client_of(alpha, user):
    client = alpha.client("member")
    with schema_context("alpha"):
        client.force_login(user)
    return client


def _write(admin, **kw):
    data = {"title": "年会通知", "body": "<p>正文</p>", "audience": "members"} | kw
    a = services.announcement_save(acting_user=admin, announcement=None, **data)
    return services.announcement_publish(acting_user=admin, announcement=a)


def test_the_audience_is_filtered_by_type_and_branch(alpha):
    with schema_context("alpha"):
        _on()
        admin = alpha.user("hq_admin")
        branch = Branch.objects.filter(active=True).exclude(kind="hq").first()
        inside, outside = _member(701, branch.code), _member(702)
        public = _write(admin, title="公开公告", audience="public")
        everyone = _write(admin, title="全体会员")
        branch_only = _write(admin, title="分会通知", branches=[branch.code])
        senior = _write(admin, title="高级会员", member_types=["senior"])

        def titles(user):
            return {a.title for a in selectors.readable(selectors.reader_of(user))}

        assert titles(inside) == {public.title, everyone.title, branch_only.title}
        assert titles(outside) == {public.title, everyone.title}
        assert titles(None) == {public.title}
        assert senior.title not in titles(inside)


def test_script_is_stored_sanitised_and_never_shown(alpha):
    with schema_context("alpha"):
        _on()
        a = _write(alpha.user("hq_admin"), body=SCRIPT, audience="public")
        assert a.body == "<p>通知</p>"
    page = alpha.client("member").get(f"/announcements/{a.public_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<p>通知</p>" in text and "alert" not in text and "onerror" not in text


def test_states_scheduled_published_withdrawn(alpha):
    with schema_context("alpha"):
        _on()
        admin = alpha.user("hq_admin")
        later = timezone.now() + dt.timedelta(days=1)
        a = services.announcement_save(acting_user=admin, announcement=None, title="预告",
                                       body="", audience="public", publish_at=later)
        a = services.announcement_publish(acting_user=admin, announcement=a)
        assert a.status == "scheduled"
        assert not selectors.live().filter(pk=a.pk).exists()
        Announcement.objects.filter(pk=a.pk).update(publish_at=timezone.now())
        assert selectors.live().filter(pk=a.pk).exists()  # shows when its time comes
        a = services.announcement_withdraw(acting_user=admin, announcement=a)
        assert a.status == "withdrawn" and not selectors.live().filter(pk=a.pk).exists()
        with pytest.raises(AppError) as err:
            services.announcement_publish(acting_user=admin, announcement=a)
        assert err.value.status == 409
        assert "已撤回" in str(err.value.message)


def test_branch_admin_writes_only_to_own_branches(alpha):
    with schema_context("alpha"):
        _on()
        admin = alpha.user("branch_admin")
        mine, other = Branch.objects.exclude(kind="hq")[:2]
        mine.admins.add(admin)
        with pytest.raises(AppError):
            _write(admin, audience="public")
        with pytest.raises(AppError):
            _write(admin, branches=[other.code])
        with pytest.raises(AppError):
            _write(admin)  # every member: not theirs to address
        a = _write(admin, branches=[mine.code])
        hq = _write(alpha.user("hq_admin"), title="总会")
        assert list(selectors.staff_rows(admin)) == [a]
        assert set(selectors.staff_rows(alpha.user("hq_admin"))) == {a, hq}


def test_bad_input_is_400_in_chinese_and_nothing_stored(alpha):
    with schema_context("alpha"):
        _on()
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        before = Announcement.objects.count()
    r = client.post("/manage/announcements/new/", {"title": "", "audience": "members"})
    assert r.status_code == 400 and "请填写公告标题" in r.content.decode()
    r = client.post("/manage/announcements/new/", {"title": "标题", "audience": "members",
                                                   "member_types": ["nope"]})
    assert r.status_code == 400 and "请从列表中选择" in r.content.decode()
    exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    r = client.post("/manage/announcements/new/", {"title": "标题", "audience": "members",
                                                   "attachments": exe})
    assert r.status_code == 400
    with schema_context("alpha"):
        assert Announcement.objects.count() == before


def test_unread_marks_and_reading_once(alpha):
    with schema_context("alpha"):
        _on()
        a = _write(alpha.user("hq_admin"), audience="public")
        reader = _member(703)
    client = _client_of(alpha, reader)
    assert "未读" in client.get("/announcements/").content.decode()
    client.get(f"/announcements/{a.public_id}/")
    client.get(f"/announcements/{a.public_id}/")
    with schema_context("alpha"):
        assert a.reads.count() == 1
    assert "未读" not in client.get("/announcements/").content.decode()


def test_attachment_only_for_the_audience(alpha):
    with schema_context("alpha"):
        _on()
        branch = Branch.objects.exclude(kind="hq").first()
        pdf = SimpleUploadedFile("议程.pdf", b"%PDF-1.4 agenda", "application/pdf")
        a = _write(alpha.user("hq_admin"), branches=[branch.code], uploads=[pdf])
        file_id = a.attachments.get().file.public_id
        inside, outside = _member(704, branch.code), _member(705)
    url = f"/announcements/{a.public_id}/files/{file_id}/"
    client = _client_of(alpha, inside)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) \
        == b"%PDF-1.4 agenda"
    client = _client_of(alpha, outside)
    assert client.get(url).status_code == 404
    assert client.get(f"/announcements/{a.public_id}/").status_code == 404
    assert client.get(f"/announcements/{a.public_id}/files/{uuid.uuid4()}/").status_code \
        == 404


def test_off_in_the_profile_means_404_and_no_panel(alpha):
    assert alpha.client("member").get("/announcements/").status_code == 404
    assert alpha.client("hq_admin").get("/manage/announcements/").status_code == 404
    assert alpha.client("finance").get("/manage/announcements/").status_code == 403
    assert "announcements-panel" not in alpha.client("member").get("/").content.decode()


def test_home_shows_the_public_ones_and_the_push_counts_first(
        alpha, django_capture_on_commit_callbacks):
    with schema_context("alpha"):
        _on()
        admin = alpha.user("hq_admin")
        a = _write(admin, title="公开的年会通知", audience="public")
        _write(admin, title="会员内部通知")
        _member(706)
        _member(707)
    home = alpha.client("member").get("/").content.decode()
    assert "公开的年会通知" in home and "会员内部通知" not in home and "更多" in home
    client = alpha.client("hq_admin")
    page = client.get(f"/manage/announcements/{a.public_id}/send/").content.decode()
    assert "将有 2 位会员收到" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/manage/announcements/{a.public_id}/send/",
                        {"confirm": "yes", "channels": ["inbox"]})
    assert r.status_code == 302
    from tenant_apps.notifications.models import OutboxMessage

    with schema_context("alpha"):
        sent = list(OutboxMessage.objects.filter(event="staff_message", channel="inbox"))
        assert len(sent) == 2 and all("公开的年会通知" in m.body for m in sent)
    again = client.post(f"/manage/announcements/{a.public_id}/send/",
                        {"confirm": "yes", "channels": ["inbox"]})
    assert again.status_code == 409
    with schema_context("alpha"):
        assert OutboxMessage.objects.filter(event="staff_message").count() == 2


def test_the_list_page_costs_the_same_queries_for_3_and_30(alpha,
                                                           django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with schema_context("alpha"):
        _on()
        admin = alpha.user("hq_admin")
        reader = _member(708)
    client = _client_of(alpha, reader)
    counts = []
    for n in (3, 30):
        with schema_context("alpha"):
            for i in range(n - Announcement.objects.count()):
                _write(admin, title=f"通知{i}", audience="public" if i % 2 else "members")
        client.get("/announcements/")
        with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as seen:
            page = client.get("/announcements/")
        counts.append(len(seen))
        assert page.status_code == 200
        assert page.content.decode().count('<li class="announcement-item') == min(n, 20)
    assert counts[0] == counts[1]


def test_the_profile_key_is_checked_with_its_path_and_round_trips(alpha):
    import yaml

    from tenant_apps.configuration.profile import ProfileError, validate_profile
    from tenants.profiles import PROFILE_DIR

    path = PROFILE_DIR / "generic.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert validate_profile(document, filename="generic.yaml", base_dir=path.parent,
                            require_payment=False)[
        "announcements"] == {"enabled": True, "title": "公告动态"}
    document["announcements"] = {"enabled": "yes", "colour": "red", "title": "长" * 21}
    with pytest.raises(ProfileError) as error:
        validate_profile(document, filename="generic.yaml", base_dir=path.parent,
                         require_payment=False)
    assert set(error.value.problems) == {
        ("announcements.colour", "不是可识别的键名"),
        ("announcements.enabled", "必须为 true 或 false"),
        ("announcements.title", "不能超过 20 个字符")}
    # alpha (the CMES profile) has them off; applied on, exported on
    from tenant_apps.configuration.selectors import profile_export

    with schema_context("alpha"):
        assert profile_export(include_files=False)["announcements"] == {
            "enabled": False, "title": ""}
        services.settings_apply(enabled=True, title="活动通告")
        assert profile_export(include_files=False)["announcements"] == {
            "enabled": True, "title": "活动通告"}
