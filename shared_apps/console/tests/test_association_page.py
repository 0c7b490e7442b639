"""The console's page of one association and each operator action on it: operators only,
bad input answered 400/409 in Chinese with nothing changed, an audit row for each change."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role, User
from tenant_apps.notifications.models import OutboxMessage
from tenants.dns import resolve_all
from tenants.models import Association, Domain
from tests.harness import PASSWORD

pytestmark = pytest.mark.django_db
PAGE = "/console/associations/alpha/"


@pytest.fixture
def operator(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator", "password": PASSWORD}).status_code \
        == 302
    return client


def _audit(action: str) -> list[AuditEntry]:
    connection.set_schema_to_public()  # a request to the association's host switched it
    alpha = Association.objects.get(schema_name="alpha")
    return list(AuditEntry.objects.filter(action=action, target_id=str(alpha.pk)))


def test_the_page_shows_domains_administrators_profile_version_and_audit(
        operator, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):  # 12, and the figures over time
        response = operator.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Society" in page
    assert "alpha.localhost" in page and "主域名" in page
    assert "能解析" in page and "127.0.0.1" in page  # *.localhost is loopback (RFC 6761)
    assert "总会管理员" in page
    assert "版本 1" in page  # the test association's one configuration revision
    assert "尚未汇总" in page  # figures over time: no refresh yet


def test_the_page_shows_the_figures_over_time_after_a_refresh(operator):
    import datetime as dt

    from django.utils import timezone

    from shared_apps.platform_stats.models import AssociationDay

    alpha = Association.objects.get(schema_name="alpha")
    today = timezone.localdate()
    AssociationDay.objects.create(association=alpha, day=today - dt.timedelta(days=1),
                                  members_active=3, revenue_fen=0)
    AssociationDay.objects.create(association=alpha, day=today, members_active=4,
                                  revenue_fen=12_345)
    page = operator.get(PAGE).content.decode()
    assert "尚未汇总" not in page
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td>(\d+)</td><td>([^<]+)</td></tr>", page)
    assert rows == [((today - dt.timedelta(days=1)).isoformat(), "3", "0"),
                    (today.isoformat(), "4", "123.45")]


def test_only_operators(alpha, public_client):
    assert public_client.get(PAGE).status_code == 302  # to the login
    hq = alpha.client("hq_admin")
    hq.defaults["HTTP_HOST"] = "localhost"
    assert hq.get(PAGE).status_code == 302  # an association's admin is nobody here
    assert hq.post(PAGE + "name/", {"name": "x"}).status_code == 302
    # On the association's own host the console does not exist.
    assert alpha.client("hq_admin").get(PAGE).status_code == 404
    assert Association.objects.get(schema_name="alpha").name == "Alpha Society"


def test_rename(operator):
    response = operator.post(PAGE + "name/", {"name": "阿尔法学会"})
    assert response.status_code == 302
    assert Association.objects.get(schema_name="alpha").name == "阿尔法学会"
    [entry] = _audit("association.renamed")
    assert entry.data == {"before": "Alpha Society", "after": "阿尔法学会"}
    assert entry.actor_label == "Operator"


def test_rename_to_nothing_is_refused(operator):
    response = operator.post(PAGE + "name/", {"name": "  "})
    assert response.status_code == 400
    assert "请填写协会名称。" in response.content.decode()
    assert Association.objects.get(schema_name="alpha").name == "Alpha Society"
    assert _audit("association.renamed") == []


def test_slug_change_keeps_the_old_host_as_a_redirect(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(PAGE + "slug/", {"slug": "alfa"})
    assert response.status_code == 302
    assert response["Location"] == "/console/associations/alfa/"
    alpha = Association.objects.get(schema_name="alpha")  # the schema keeps its name
    assert alpha.slug == "alfa"
    domains = {d.domain: (d.is_primary, d.redirect_to_primary) for d in alpha.domains.all()}
    assert domains == {"alfa.localhost": (True, False), "alpha.localhost": (False, True)}
    old = Client(HTTP_HOST="alpha.localhost").get("/login/?next=/member/")
    assert old.status_code == 301
    assert old["Location"] == "http://alfa.localhost/login/?next=/member/"
    assert Client(HTTP_HOST="alfa.localhost").get("/").status_code == 200
    [entry] = _audit("association.slug_changed")
    assert entry.data["before"] == "alpha" and entry.data["after"] == "alfa"
    # The console's old URL leads to the page; the same form posted again changes nothing.
    assert operator.get(PAGE)["Location"] == "/console/associations/alfa/"
    again = operator.post(PAGE + "slug/", {"slug": "alfa"})
    assert again.status_code == 400 and "这已经是该协会的简称。" in again.content.decode()
    assert len(_audit("association.slug_changed")) == 1

    # And back: the alias becomes the primary again, nothing redirects in a loop.
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/console/associations/alfa/slug/", {"slug": "alpha"})
    domains = {d.domain: (d.is_primary, d.redirect_to_primary)
               for d in Domain.objects.filter(tenant=alpha)}
    assert domains == {"alpha.localhost": (True, False), "alfa.localhost": (False, True)}
    assert Client(HTTP_HOST="alpha.localhost").get("/").status_code == 200


@pytest.mark.parametrize(("slug", "status", "message"), [
    ("beta", 409, "已有协会使用该简称。"),
    ("www", 400, "该简称为系统保留，请换一个。"),
    ("Not a slug!", 400, "简称须为"),
])
def test_slug_change_refused(operator, slug, status, message):
    response = operator.post(PAGE + "slug/", {"slug": slug})
    assert response.status_code == status
    assert message in response.content.decode()
    alpha = Association.objects.get(schema_name="alpha")
    assert alpha.slug == "alpha"
    assert [d.domain for d in alpha.domains.all()] == ["alpha.localhost"]
    assert _audit("association.slug_changed") == []


def test_add_a_custom_domain(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(PAGE + "domains/", {"domain": "Hui.Alpha-Society.test"})
    assert response.status_code == 302
    assert Domain.objects.get(domain="hui.alpha-society.test").tenant.slug == "alpha"
    assert Client(HTTP_HOST="hui.alpha-society.test").get("/").status_code == 200
    [entry] = _audit("association.domain_added")
    assert entry.data == {"domain": "hui.alpha-society.test"}
    page = operator.get(PAGE).content.decode()
    assert "hui.alpha-society.test" in page and "自定义域名" in page


@pytest.mark.parametrize(("domain", "status", "message"), [
    ("hui.beta.test", 409, "域名 hui.beta.test 已被使用。"),
    ("beta.localhost", 400, "平台自身域名下的子域名由简称决定"),
    ("not a domain", 400, "请输入域名"),
    ("", 400, "请输入域名"),
])
def test_add_a_domain_refused(operator, domain, status, message):
    Domain.objects.create(domain="hui.beta.test", tenant=Association.objects.get(slug="beta"))
    before = Domain.objects.count()
    response = operator.post(PAGE + "domains/", {"domain": domain})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Domain.objects.count() == before
    assert _audit("association.domain_added") == []


def test_resolution_is_looked_up_with_a_bound():
    resolved = resolve_all(["localhost", "cmes.localhost", "nothing.invalid"], timeout=2)
    assert resolved["localhost"].resolves is True  # a real lookup (/etc/hosts)
    assert resolved["cmes.localhost"].addresses == ("127.0.0.1",)
    assert resolved["nothing.invalid"].resolves is False


def test_invite_another_hq_administrator(operator):
    response = operator.post(PAGE + "administrators/", {
        "name": "赵管理", "phone": "13912340099", "email": ""})
    assert response.status_code == 302
    with schema_context("alpha"):
        admin = User.objects.get(phone="13912340099")
        assert admin.roles == [Role.HQ_ADMIN] and not admin.has_usable_password()
        [message] = OutboxMessage.objects.filter(address="13912340099")
        assert message.event == "staff_invited"
        assert "/reset/" in message.params["link"]
        # The association's own audit row names the operator, not an account of its own.
        row = AuditEntry.objects.get(action="staff.invited", target_id=str(admin.pk))
        assert row.actor is None and row.actor_label == "Operator (platform operator)"
    [entry] = _audit("association.admin_invited")
    assert entry.data["name"] == "赵管理"
    page = operator.get(PAGE).content.decode()
    assert "139****0099" in page and "13912340099" not in page
    assert "未激活" in page


def test_invite_refused_without_a_contact(operator):
    response = operator.post(PAGE + "administrators/", {"name": "赵管理"})
    assert response.status_code == 400
    assert "请填写手机号或电子邮箱" in response.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(name="赵管理").exists()
    assert _audit("association.admin_invited") == []


def test_resend_the_activation_link(operator):
    operator.post(PAGE + "administrators/", {"name": "钱管理", "email": "qian@alpha.example"})
    with schema_context("alpha"):
        account = str(User.objects.get(email="qian@alpha.example").public_id)
    response = operator.post(f"{PAGE}administrators/{account}/resend/")
    assert response.status_code == 302
    with schema_context("alpha"):
        assert OutboxMessage.objects.filter(address="qian@alpha.example",
                                            event="staff_invited").count() == 2
    assert len(_audit("association.admin_link_sent")) == 1


def test_resend_refused_for_an_activated_administrator(operator, alpha):
    account = str(alpha.user("hq_admin").public_id)
    response = operator.post(f"{PAGE}administrators/{account}/resend/")
    assert response.status_code == 409
    assert "已设置密码" in response.content.decode()
    assert operator.post(f"{PAGE}administrators/not-a-uuid/resend/").status_code == 404
    assert _audit("association.admin_link_sent") == []


def test_suspend_with_a_reason_shown_on_the_site_then_resume(operator,
                                                            django_capture_on_commit_callbacks):
    asked = operator.post(PAGE + "suspend/", {"reason": "年费未缴"})
    assert asked.status_code == 200 and "确认暂停" in asked.content.decode()
    assert Association.objects.get(schema_name="alpha").status == "active"

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(PAGE + "suspend/", {"reason": "年费未缴", "confirm": "yes"})
    alpha = Association.objects.get(schema_name="alpha")
    assert alpha.status == "suspended" and alpha.suspended_reason == "年费未缴"
    site = Client(HTTP_HOST="alpha.localhost")
    for path in ("/", "/login/"):
        response = site.get(path)
        assert response.status_code == 503
        assert "年费未缴" in response.content.decode()
    assert "工作人员" in site.get("/login/").content.decode()
    [entry] = _audit("association.suspended")
    assert entry.reason == "年费未缴"

    with django_capture_on_commit_callbacks(execute=True):
        assert operator.post(PAGE + "resume/").status_code == 302
    alpha.refresh_from_db()
    assert alpha.status == "active" and alpha.suspended_reason == ""
    assert site.get("/").status_code == 200
    assert len(_audit("association.active")) == 1


def test_suspend_without_a_reason_is_refused(operator):
    response = operator.post(PAGE + "suspend/", {"reason": " ", "confirm": "yes"})
    assert response.status_code == 400
    assert "请填写暂停原因" in response.content.decode()
    assert Association.objects.get(schema_name="alpha").status == "active"
    assert _audit("association.suspended") == []
