"""供需对接 and 产品对接 (docs/marketplace.md): the profile section, the state machine, the
services and the pages, against the real database."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.configuration.profile import ProfileError, validate_profile
from tenant_apps.marketplace import services
from tenant_apps.marketplace.models import Post
from tenant_apps.marketplace.state import TRANSITIONS
from tenant_apps.marketplace.tests.helpers import (
    PNG,
    client_for,
    data,
    market_on,
    member,
    post,
)
from tenants.profiles import load_profile

pytestmark = pytest.mark.django_db
S = Post.Status


# --- the profile ---------------------------------------------------------------------------

def _problems(section) -> list[tuple[str, str]]:
    document = {"format": "huiji-profile/1", "association": {"name": "测试协会"},
                "marketplace": section}
    with pytest.raises(ProfileError) as caught, translation.override("en"):
        validate_profile(document, filename="x.yaml", require_payment=False)
    with translation.override("en"):
        return [(path, str(rule)) for path, rule in caught.value.problems]


def test_the_profile_section_is_checked_with_exact_paths():
    problems = dict(_problems({"enabled": True, "kinds": ["supply", "offer"],
                               "categories": [{"code": "pipes", "name": "管材"},
                                              {"code": "pipes", "name": "又一个"}],
                               "province": "火星省", "max_images": 40, "colour": "red"}))
    assert "marketplace.kinds[1]" in problems
    assert problems["marketplace.categories[1].code"] == "repeats the code pipes"
    assert "marketplace.province" in problems
    assert problems["marketplace.max_images"] == "must be a whole number from 1 to 12"
    assert problems["marketplace.colour"] == "is not a known key"
    assert dict(_problems({"enabled": True}))["marketplace.categories"] == "must not be empty"


def test_only_jsgas_has_it_on_and_it_survives_export_and_import(alpha):
    assert [slug for slug in ("cmes", "generic", "cacem", "caq", "jsgas")
            if load_profile(slug)["marketplace"]["enabled"]] == ["jsgas"]
    jsgas = load_profile("jsgas")["marketplace"]
    assert jsgas["province"] == "320000"  # 江苏省
    assert [c["name"] for c in jsgas["categories"]][:3] == ["燃气设备", "热力设备", "管材管件"]
    from tenant_apps.configuration.selectors import profile_export

    with schema_context("alpha"):
        market_on()
        exported = profile_export(include_files=False)["marketplace"]
    assert exported["categories"][1] == {"code": "pipes", "name": "管材管件"}
    assert exported["province"] == "320000" and exported["contacts_per_day"] == 2


def test_the_transition_table():
    assert TRANSITIONS["approve"] == (frozenset({S.PENDING}), S.PUBLISHED)
    assert TRANSITIONS["renew"][0] == frozenset({S.PUBLISHED, S.EXPIRED})
    assert S.WITHDRAWN not in TRANSITIONS["edit"][0]
    assert all(S.WITHDRAWN not in starts for starts, _to in TRANSITIONS.values())


# --- the services ------------------------------------------------------------------------------

def test_a_post_waits_for_review_is_published_expires_renews_and_is_withdrawn(alpha):
    with schema_context("alpha"):
        market_on()
        author = member(501, "南京燃气设备公司")
        token = uuid.uuid4()
        made = services.post_create(acting_user=author, data=data(), images=[], token=token)
        again = services.post_create(acting_user=author, data=data(), images=[], token=token)
        assert again.pk == made.pk and Post.objects.count() == 1  # a resent form: one post
        assert made.shown_status == S.PENDING and made.poster_name == "南京燃气设备公司"
        staff = alpha.user("hq_admin")
        with pytest.raises(AppError) as refused:
            services.post_approve(acting_user=alpha.user("finance"), post=made)
        assert refused.value.status == 403
        services.post_approve(acting_user=staff, post=made)
        with pytest.raises(AppError) as twice:
            services.post_approve(acting_user=staff, post=made)
        assert twice.value.status == 409
        Post.objects.filter(pk=made.pk).update(
            valid_until=timezone.localdate() - dt.timedelta(days=1))
        made.refresh_from_db()
        assert made.shown_status == S.EXPIRED
        later = timezone.localdate() + dt.timedelta(days=60)
        services.post_renew(acting_user=author, post=made, valid_until=later)
        made.refresh_from_db()
        assert (made.shown_status, made.valid_until) == (S.PUBLISHED, later)
        services.post_withdraw(acting_user=author, post=made)
        made.refresh_from_db()
        assert made.status == S.WITHDRAWN
        with pytest.raises(AppError):
            services.post_renew(acting_user=author, post=made, valid_until=later)


def test_a_rejection_needs_a_reason_and_an_edit_goes_back_to_review(alpha):
    with schema_context("alpha"):
        market_on()
        author = member(502, "苏州热力公司")
        made = post(author, published=False)
        staff = alpha.user("hq_admin")
        with pytest.raises(AppError):
            services.post_reject(acting_user=staff, post=made, reason="  ")
        services.post_reject(acting_user=staff, post=made, reason="请补充产品参数")
        made.refresh_from_db()
        assert (made.status, made.reason) == (S.REJECTED, "请补充产品参数")
        services.post_update(acting_user=author, post=made, data=data(title="新标题"),
                             images=[])
        made.refresh_from_db()
        assert (made.status, made.reason, made.title) == (S.PENDING, "", "新标题")


def test_settings_are_enforced_on_the_server(alpha):
    with schema_context("alpha"):
        market_on(kinds=["supply", "demand"])
        author = member(503, "无锡管业")
        for changes, field in [({"kind": "product"}, "kind"), ({"category": "food"}, "category"),
                               ({"region": "110101"}, "region"),  # Beijing: not Jiangsu
                               ({"valid_until": timezone.localdate() + dt.timedelta(days=400)},
                                "valid_until")]:
            with pytest.raises(AppError) as refused:
                services.post_create(acting_user=author, data=data(**changes), images=[],
                                     token=uuid.uuid4())
            assert refused.value.field == field
        bad = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", "image/png")
        with pytest.raises(AppError) as not_an_image:
            services.post_create(acting_user=author, data=data(), images=[bad],
                                 token=uuid.uuid4())
        assert str(not_an_image.value.message) == "请上传图片（JPG、PNG 格式）。"
        assert Post.objects.count() == 0  # nothing kept of a refused post


def test_contact_goes_through_the_outbox_and_is_limited(alpha):
    from tenant_apps.notifications.models import OutboxMessage

    with schema_context("alpha"):
        market_on()
        author, asker = member(504, "常州燃气"), member(505, "扬州阀门厂")
        made = post(author)
        token = uuid.uuid4()
        services.post_contact(acting_user=asker, post=made, message="请报价", token=token)
        services.post_contact(acting_user=asker, post=made, message="请报价", token=token)
        inbox = OutboxMessage.objects.get(event="market_contact", channel="inbox")
        assert inbox.recipient_id == author.pk
        assert "扬州阀门厂" in inbox.body and "请报价" in inbox.body and "{" not in inbox.body
        services.post_contact(acting_user=asker, post=made, message="再问", token=uuid.uuid4())
        with pytest.raises(AppError) as limited:  # contacts_per_day: 2
            services.post_contact(acting_user=asker, post=made, message="三问",
                                  token=uuid.uuid4())
        assert limited.value.status == 429
        with pytest.raises(AppError):
            services.post_contact(acting_user=author, post=made, message="自己",
                                  token=uuid.uuid4())


# --- the pages ---------------------------------------------------------------------------------

def test_browse_filters_in_sql_with_a_fixed_number_of_queries(alpha, django_assert_max_num_queries):
    with schema_context("alpha"):
        market_on()
        author, viewer = member(506, "南通燃气"), member(507, "泰州热力")
        for i in range(3):
            post(author, title=f"管材{i}")
    client = client_for(alpha, viewer)
    with django_assert_max_num_queries(30) as few:
        assert client.get("/market/").status_code == 200
    with schema_context("alpha"):
        for i in range(27):
            post(author, title=f"阀门{i}", category="gas_equipment", region="320500")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/market/").content.decode()
    assert page.count('class="market-card"') == 20 and "下一页" in page
    found = client.get("/market/", {"category": "pipes"}).content.decode()
    assert found.count('class="market-card"') == 3
    assert client.get("/market/", {"q": "阀门2", "region": "320500"}).content.decode() \
        .count('class="market-card"') == 8  # 阀门2, 阀门20 … 阀门26
    refused = client.get("/market/", {"category": "food"})
    assert refused.status_code == 400 and "请从列表中选择" in refused.content.decode()
    assert client.get("/market/products/").content.decode().count('class="market-card"') == 0


def test_text_is_escaped_and_contact_details_only_with_consent(alpha):
    with schema_context("alpha"):
        market_on()
        author, viewer = member(508, "镇江燃气"), member(509, "宿迁热力")
        shown = post(author, title="<script>alert(1)</script>管材",
                     description="第一行\n<img src=x onerror=alert(2)>")
        hidden = post(author, title="不公开联系方式", show_contact=False,
                      contact_phone="13912349999")
    client = client_for(alpha, viewer)
    page = client.get(f"/market/{shown.public_id}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;管材" in page
    assert "第一行<br>&lt;img src=x onerror=alert(2)&gt;" in page
    assert "13912340000" in page
    other = client.get(f"/market/{hidden.public_id}/").content.decode()
    assert "13912349999" not in other and "联系发布者" in other
    # a member whose membership is not in force, and the harness' member without one
    assert alpha.client("other").get(f"/market/{shown.public_id}/").status_code == 404


def test_the_marketplace_is_404_where_the_profile_has_it_off(alpha):
    with schema_context("alpha"):
        viewer = member(510, "连云港燃气")
    client = client_for(alpha, viewer)
    assert client.get("/market/").status_code == 404
    assert client.get("/manage/market/").status_code == 404
    assert "供需对接" not in client.get("/member/").content.decode()


def test_posting_on_the_page_with_a_picture_then_staff_approve(alpha):
    with schema_context("alpha"):
        market_on()
        author = member(511, "淮安燃气")
    client = client_for(alpha, author)
    assert "供需对接" in client.get("/member/").content.decode()
    form = client.get("/market/new/").content.decode()
    assert "发布" in form
    token = str(uuid.uuid4())
    fields = {**data(), "valid_until": data()["valid_until"].isoformat(), "show_contact": "on",
              "token": token}
    picture = SimpleUploadedFile("管材.png", PNG, "image/png")
    response = client.post("/market/new/", {**fields, "images": picture})
    assert response.status_code == 302
    client.post("/market/new/", fields)  # sent again: the same post
    with schema_context("alpha"):
        made = Post.objects.get()
        assert made.images.count() == 1
    assert "待审核" in client.get("/market/mine/").content.decode()
    staff = alpha.client("hq_admin")
    queue = staff.get("/manage/market/").content.decode()
    assert "供应PE燃气管材" in queue and 'data-waiting="1"' in queue
    assert alpha.client("finance").get("/manage/market/").status_code == 403
    refused = staff.post(f"/manage/market/{made.public_id}/", {"action": "reject", "reason": ""})
    assert refused.status_code == 400
    staff.post(f"/manage/market/{made.public_id}/", {"action": "approve"})
    # the moderator (no membership, no posts of their own) reads it without a 我的发布 tab
    seen = staff.get(f"/market/{made.public_id}/").content.decode()
    assert seen.count("供需对接") >= 1 and "我的发布" not in seen
    with schema_context("alpha"):
        made.refresh_from_db()
        assert made.status == S.PUBLISHED
        viewer = member(512, "盐城燃气")
    other = client_for(alpha, viewer)
    picture_url = f"/market/{made.public_id}/images/{made.images.get().file.public_id}/"
    assert other.get(picture_url).status_code == 200
    assert alpha.client("other").get(picture_url).status_code == 404
