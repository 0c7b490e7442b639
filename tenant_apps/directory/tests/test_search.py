"""The member list: search, filters, counts, URL parameters, saved searches, scope and the
query count. Expected values are written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.directory.params import canonical_query
from tenant_apps.directory.tests.helpers import branch_admin, client_for, names, quick_member

pytestmark = pytest.mark.django_db

JIANGSU = {"province": "320000", "city": "320100"}  # 江苏省 南京市
BEIJING = {"province": "110000", "city": "110108"}  # 北京市 海淀区


def _people():
    """张三 (robot, 高级工程师, 江苏, 清华大学), 张伟 (robot, overdue), 王伟 (mech_history,
    regular, 北京), 李四 (no branch, withdrawn)."""
    zhang = quick_member(1, "张三", branch="robot", phone="13711110001",
                         email="zhangsan@dir.test",
                         values={"title": "高级工程师", "region": JIANGSU, "employer": "清华大学",
                                 "interest_branches": ["robot", "welding"]},
                         joined=dt.date(2025, 5, 10), valid_until=dt.date(2026, 12, 31))
    quick_member(2, "张伟", branch="robot", status="overdue",
                 values={"title": "工程师", "region": JIANGSU, "employer": "东南大学"},
                 joined=dt.date(2024, 1, 15), valid_until=dt.date(2025, 12, 31))
    quick_member(3, "王伟", type_code="regular", branch="mech_history",
                 values={"title": "工程师", "region": BEIJING, "employer": "清华大学",
                         "interest_branches": ["welding"]},
                 joined=dt.date(2026, 2, 1), valid_until=dt.date(2027, 12, 31))
    quick_member(4, "李四", status="withdrawn", values={"region": BEIJING},
                 joined=dt.date(2023, 7, 1), valid_until=dt.date(2024, 12, 31))
    return zhang


def test_finds_zhangsan_by_pinyin_initials_surname_phone_number(alpha):
    with schema_context("alpha"):
        zhang = _people()
    api = alpha.client("hq_admin")
    for q in ("zhangsan", "zs", "ZhangSan", "张三", "13711110001", "zhangsan@dir.test",
              zhang.number):
        assert names(api.get("/api/v1/members/", {"q": q})) == ["张三"], q
    assert sorted(names(api.get("/api/v1/members/", {"q": "张"}))) == ["张三", "张伟"]
    # a two-character name: only 王伟, not 张伟
    assert names(api.get("/api/v1/members/", {"q": "王伟"})) == ["王伟"]
    assert sorted(names(api.get("/api/v1/members/", {"q": "zhang"}))) == ["张三", "张伟"]
    assert names(api.get("/api/v1/members/", {"q": "wangw"})) == ["王伟"]
    assert names(api.get("/api/v1/members/", {"q": "赵"})) == []
    # the page shows the same, the phone masked for staff who do not manage members
    page = client_for_role(alpha, "reviewer").get("/manage/members/", {"q": "zs"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "张三" in html and "张伟" not in html
    assert "137****0001" in html and "13711110001" not in html
    assert f'href="/manage/members/{zhang.number}/"' in html
    # HQ administrators (members.manage) see the phone
    assert "13711110001" in api.get("/manage/members/", {"q": "zs"}).content.decode()


def client_for_role(site, role):
    return site.client(role)


def test_finds_a_unit_by_name_and_credit_code():
    from tenant_apps.records.tests.helpers import provision

    slug = provision("cacem")
    with schema_context(slug):
        from tenant_apps.accounts.models import Role, User

        quick_member(11, "13800001111", type_code="unit", rank="council",
                     values={"company_name": "中建三局集团有限公司",
                             "credit_code": "91110108MA01C7XK3X"})
        quick_member(12, "13800001112", type_code="unit", rank="regular",
                     values={"company_name": "中铁建工集团有限公司",
                             "credit_code": "91320100MA1N2P3Q43"})
        hq = User.objects.filter(roles__contains=[Role.HQ_ADMIN]).first()
    api = client_for(hq, f"{slug}.localhost")
    zhongjian = ["中建三局集团有限公司"]
    assert names(api.get("/api/v1/members/", {"q": "91110108MA01C7XK3X"})) == zhongjian
    assert names(api.get("/api/v1/members/", {"q": "91110108ma01"})) == zhongjian
    assert names(api.get("/api/v1/members/", {"q": "中铁"})) == ["中铁建工集团有限公司"]
    assert names(api.get("/api/v1/members/", {"q": "zjsj"})) == zhongjian
    assert names(api.get("/api/v1/members/", {"rank": "council"})) == zhongjian
    body = api.get("/api/v1/members/").json()
    unit = next(t for t in body["counts"]["types"] if t["code"] == "unit")
    assert unit["n"] == 2
    assert {r["name"]: r["n"] for r in unit["ranks"]}["理事单位"] == 1


def test_each_filter(alpha):
    with schema_context("alpha"):
        _people()
    api = alpha.client("hq_admin")

    def found(**params):
        return sorted(names(api.get("/api/v1/members/", params)))

    assert found(type="regular") == ["王伟"]
    assert found(type=["regular", "senior"]) == ["张三", "张伟", "李四", "王伟"]
    assert found(status="overdue") == ["张伟"]
    assert found(status=["withdrawn", "overdue"]) == ["张伟", "李四"]
    assert found(branch="robot") == ["张三", "张伟"]
    assert found(branch="mech_history") == ["王伟"]
    assert found(interest="welding") == ["张三", "王伟"]
    assert found(region="110000") == ["李四", "王伟"]
    assert found(region="320100") == ["张三", "张伟"]
    assert found(title="工程师") == ["张伟", "王伟"]
    assert found(school="清华") == ["张三", "王伟"]
    assert found(joined_from="2025-01-01") == ["张三", "王伟"]
    assert found(joined_from="2024-01-01", joined_to="2025-12-31") == ["张三", "张伟"]
    assert found(valid_from="2026-01-01", valid_to="2026-12-31") == ["张三"]
    assert found(valid_to="2025-12-31") == ["张伟", "李四"]
    assert found(arrears="1") == ["张伟"]
    assert found(arrears="0") == ["张三", "李四", "王伟"]
    assert found(branch="robot", status="active") == ["张三"]
    # sorted
    assert names(api.get("/api/v1/members/", {"sort": "name"})) == ["李四", "王伟", "张三",
                                                                    "张伟"]
    assert names(api.get("/api/v1/members/", {"sort": "-joined"})) == ["王伟", "张三", "张伟",
                                                                      "李四"]
    assert names(api.get("/api/v1/members/", {"sort": "valid_until"})) == ["李四", "张伟",
                                                                          "张三", "王伟"]
    body = api.get("/api/v1/members/", {"status": "active"}).json()
    assert body["count"] == 2 and body["count_exact"] is True


def test_counts_per_type_and_status_link_to_their_lists(alpha):
    with schema_context("alpha"):
        _people()
    html = alpha.client("hq_admin").get("/manage/members/").content.decode()
    assert '<a class="stat" href="?type=senior" data-count-type="senior"><span class="stat-n">3' \
        '</span><span class="stat-l">高级会员</span></a>' in html
    assert '<a class="stat" href="?type=regular" data-count-type="regular"><span class="stat-n">' \
        '1</span><span class="stat-l">普通会员</span></a>' in html
    assert '<a href="?status=overdue" data-count-status="overdue">欠费(宽限期) <strong>1</strong>' \
        in html
    assert '<a href="?status=active" data-count-status="active">正式会员 <strong>2</strong>' \
        in html
    assert "共 4 人" in html or "找到 4 名会员" in html


def test_bad_parameters_are_a_message_and_400(alpha):
    client = alpha.client("hq_admin")
    for params, words in (({"status": "gone"}, "状态"), ({"joined_from": "2026-13-01"}, "入会"),
                          ({"valid_to": "tomorrow"}, "有效期"), ({"sort": "age"}, "排序"),
                          ({"page": "0"}, "页"), ({"type": "nobody"}, "会员类型"),
                          ({"joined_from": "2026-05-01", "joined_to": "2026-01-01"}, "入会")):
        page = client.get("/manage/members/", params)
        assert page.status_code == 400, params
        assert words in page.content.decode(), params
        api = client.get("/api/v1/members/", params)
        assert api.status_code == 400, params
        assert words in api.json()["error"]["message"], params


def test_url_parameters_round_trip():
    query = "q=%E5%BC%A0&type=regular&type=senior&status=active&branch=robot&" \
            "joined_from=2025-01-01&arrears=1&sort=-joined&page=3"
    assert canonical_query(QueryDict(query)) == query
    # repeated values sorted, the default sort and the first page left out, unknown keys gone
    assert canonical_query(QueryDict("status=overdue&status=active&sort=number&page=1&x=1")) \
        == "status=active&status=overdue"
    assert canonical_query({"type": "senior"}, status="active", page=2) == \
        "type=senior&status=active&page=2"
    assert canonical_query(QueryDict("type=senior&page=4"), page=None) == "type=senior"


def test_pages_keep_the_filters(alpha):
    with schema_context("alpha"):
        for n in range(55):
            quick_member(100 + n, f"会员{n:02d}", branch="robot")
        quick_member(99, "别人", branch="welding")
    client = alpha.client("hq_admin")
    first = client.get("/manage/members/", {"branch": "robot", "sort": "name"})
    html = first.content.decode()
    assert "共 55 人" in html or "找到 55 名会员" in html
    assert 'href="?branch=robot&amp;sort=name&amp;page=2" rel="next"' in html
    second = client.get("/manage/members/", {"branch": "robot", "sort": "name", "page": "2"})
    rows = second.content.decode()
    assert "会员54" in rows and "会员00" not in rows and "别人" not in rows
    assert 'href="?branch=robot&amp;sort=name" rel="prev"' in rows


def test_saved_searches_are_each_staff_members_own(alpha):
    with schema_context("alpha"):
        _people()
    hq = alpha.client("hq_admin")
    saved = hq.post("/manage/member-searches/", {"name": "机器人分会欠费",
                                                 "query": "status=overdue&branch=robot"})
    assert saved.status_code == 302
    assert saved["Location"] == "/manage/members/?status=overdue&branch=robot"
    page = hq.get("/manage/members/").content.decode()
    with schema_context("alpha"):
        from tenant_apps.directory.models import SavedSearch

        pk = SavedSearch.objects.get().pk
    assert f'<a href="/manage/member-searches/{pk}/">机器人分会欠费</a>' in page
    # the list and each × stay on one line: a div, since a form inside a p closes the p
    assert '<div class="saved-search-list"><strong>保存的查询：</strong>' in page
    opened = hq.get(f"/manage/member-searches/{pk}/").content.decode()
    assert "张伟" in opened and "张三" not in opened
    assert "机器人分会欠费" not in alpha.client("reviewer").get("/manage/members/") \
        .content.decode()
    # no name: refused, nothing saved
    refused = hq.post("/manage/member-searches/", {"name": " ", "query": "status=active"},
                      follow=True)
    assert "请为该查询命名" in refused.content.decode()
    with schema_context("alpha"):
        assert SavedSearch.objects.count() == 1
    # another staff member can neither open nor delete it
    assert alpha.client("reviewer").get(f"/manage/member-searches/{pk}/").status_code == 404
    assert alpha.client("reviewer").post(f"/manage/member-searches/{pk}/delete/") \
        .status_code == 404
    assert hq.post(f"/manage/member-searches/{pk}/delete/").status_code == 302
    with schema_context("alpha"):
        assert SavedSearch.objects.count() == 0


def test_a_branch_administrator_sees_exactly_their_branch(alpha, beta):
    with schema_context("alpha"):
        zhang = _people()
        robot = branch_admin("robot", "ba-robot")
        history = branch_admin("mech_history", "ba-history")
    client = client_for(robot, alpha.host)
    assert sorted(names(client.get("/api/v1/members/"))) == ["张三", "张伟"]
    assert names(client.get("/api/v1/members/", {"q": "zs"})) == ["张三"]
    # another branch is not a choice for them
    assert client.get("/api/v1/members/", {"branch": "mech_history"}).status_code == 400
    refused = client.get("/manage/members/", {"branch": "mech_history"})
    assert refused.status_code == 400
    # said in words, without echoing the code (which means nothing to a person)
    assert 'role="alert">分会：请从列出的选项中选择。</li>' in refused.content.decode()
    body = client.get("/api/v1/members/").json()
    assert body["counts"]["total"] == 2
    assert {t["code"]: t["n"] for t in body["counts"]["types"]} == \
        {"student": 0, "regular": 0, "senior": 2}
    page = client.get("/manage/members/").content.decode()
    assert "王伟" not in page and "李四" not in page
    assert '<span class="stat-n">2</span><span class="stat-l">全部会员</span>' in page
    # the member page follows the same scope
    assert client.get(f"/manage/members/{zhang.number}/").status_code == 200
    other = client_for(history, alpha.host)
    assert names(other.get("/api/v1/members/")) == ["王伟"]
    refused = other.get(f"/manage/members/{zhang.number}/")
    assert refused.status_code == 404
    # the staff site's 404, not the member centre's "no member record here"
    assert "您访问的页面不存在，或您没有访问权限。" in refused.content.decode()
    assert "会员中心" not in refused.content.decode()
    assert other.get("/api/v1/members/", {"q": "zhangsan"}).json()["count"] == 0
    # a saved search opens within the scope of whoever opens it
    other.post("/manage/member-searches/", {"name": "全部", "query": "q=zhang"})
    assert "张三" not in other.get("/manage/members/?q=zhang").content.decode()
    # staff without members.view, and members, see nothing
    refused = alpha.client("finance").get("/manage/members/")
    assert refused.status_code == 404
    assert "您访问的页面不存在，或您没有访问权限。" in refused.content.decode()
    assert "会员中心" not in refused.content.decode()
    assert alpha.client("member").get("/api/v1/members/").status_code == 403
    # another association's HQ sees none of them
    assert beta.client("hq_admin").get("/api/v1/members/").json()["count"] == 0
    assert alpha.client("hq_admin").get("/api/v1/members/").json()["count"] == 4


def test_list_queries_do_not_grow_with_members(alpha):
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        robot = branch_admin("robot", "ba-robot")
        quick_member(1, "张三", branch="robot")
    branch_client = client_for(robot, alpha.host)

    def count(c, params):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/manage/members/", params).status_code == 200
        return len(ctx.captured_queries)

    shapes = [{}, {"q": "zs"}, {"status": "active", "sort": "name"}, {"school": "清华"}]
    count(client, {})  # sessions and caches warmed
    count(branch_client, {})
    few = [count(client, p) for p in shapes] + [count(branch_client, p) for p in shapes]
    with schema_context("alpha"):
        for n in range(2, 14):
            quick_member(n, f"张{n}", branch="robot" if n % 2 else "welding",
                         values={"employer": "清华大学"})
    many = [count(client, p) for p in shapes] + [count(branch_client, p) for p in shapes]
    assert few == many
    assert max(many) <= 16


def test_the_api_schema_documents_the_list_and_its_parameters(alpha):
    import yaml
    from django.test import Client

    schema = yaml.safe_load(Client(HTTP_HOST=alpha.host).get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/members/"]["get"]
    assert operation["operationId"] == "staff_member_search"
    assert {p["name"] for p in operation["parameters"]} >= {
        "q", "type", "rank", "status", "branch", "interest", "region", "title", "school",
        "referral", "joined_from", "joined_to", "valid_from", "valid_to", "arrears", "sort",
        "page"}


def test_past_the_count_cap_the_list_says_more_than_and_pages_go_on(alpha, monkeypatch):
    from tenant_apps.directory import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    with schema_context("alpha"):
        for n in range(5):
            quick_member(200 + n, f"清华{n}", values={"employer": "清华大学"})
        hq = alpha.user("hq_admin")
        first = selectors.member_search(hq, {"school": "清华"}, page_size=2)
        assert (first.total, first.total_exact, first.has_next) == (3, False, True)
        third = selectors.member_search(hq, {"school": "清华", "page": "3"}, page_size=2)
        assert [r["name"] for r in third.rows] == ["清华4"] and not third.has_next
        # a narrow text search counts its ids the same way
        found = selectors.member_search(hq, {"q": "清华"}, page_size=2)
        assert (found.total, found.total_exact) == (3, False)
    # all on the first page of 50: counted exactly, whatever the cap
    body = alpha.client("hq_admin").get("/api/v1/members/", {"school": "清华"}).json()
    assert (body["count"], body["count_exact"]) == (5, True)
