"""The review queue at scale: filtered in SQL on the step target stored by `_move`
(`review_role`, `review_branch`), which must agree with `can_decide_step` (the rule); paged,
with a count; the same number of queries for 3 applications as for 30, on the page and the
API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.accounts.services import staff_set_active
from tenant_apps.applications import selectors
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import _move, application_start, can_decide_step, chain_of
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.configuration.services import revision_record

STAFF = ("hq_admin", "reviewer", "finance", "secretariat", "branch_admin")

# (label, the senior type's first step, the body the applicant chose) -> who may decide it,
# in the harness's association: every staff role held by an active account, and its branch
# administrator appointed to 机器人分会 (robot) only; 铸造分会 (foundry) has no administrator.
CASES = [
    ("hq review", {"role": "hq_reviewer", "branch_routed": False}, None,
     {"hq_admin", "reviewer"}),
    ("finance", {"role": "finance", "branch_routed": False}, None, {"finance"}),
    ("secretariat", {"role": "secretariat", "branch_routed": False}, None, {"secretariat"}),
    ("hq administrator", {"role": "hq_admin", "branch_routed": False}, None, {"hq_admin"}),
    ("routed to robot", {"role": "branch_admin", "branch_routed": True}, "robot",
     {"branch_admin"}),
    ("routed to foundry, nobody there", {"role": "branch_admin", "branch_routed": True},
     "foundry", {"hq_admin"}),
    ("routed, joined HQ", {"role": "branch_admin", "branch_routed": True}, "hq",
     {"hq_admin", "reviewer"}),
    ("routed, no body chosen", {"role": "branch_admin", "branch_routed": True}, None,
     {"hq_admin", "reviewer"}),
    ("branch step not routed", {"role": "branch_admin", "branch_routed": False}, "robot",
     {"hq_admin"}),
]


def _in_review(n: int, step: dict, branch: str | None) -> Application:
    """An application of the senior type, waiting at its first step as configured now."""
    first = MemberType.objects.get(code="senior").review_steps.first()
    for key, value in step.items():
        setattr(first, key, value)
    first.save()
    revision_record(acting_user=None, summary="the senior chain for a queue case")
    app = application_start(applicant=applicant(n), member_type=MemberType.objects.get(
        code="senior"), branch=Branch.objects.get(code=branch) if branch else None)
    app = Application.objects.select_related("revision", "member_type", "branch").get(
        pk=app.pk)
    _move(app, to=Status.IN_REVIEW, position=0, action="submitted", actor=app.applicant)
    return app


def _queue_ids(user) -> set[int]:
    return {a.pk for a in selectors.review_queue(user, size=100).rows}


def _check(alpha, apps: dict, cases) -> None:
    for role in STAFF:
        user = alpha.user(role)
        expected = {apps[label].pk for label, _step, _branch, who in cases if role in who}
        assert _queue_ids(user) == expected, role
        for label, _step, _branch, _who in cases:
            app = apps[label]
            step = chain_of(app)[0]
            assert can_decide_step(user, step, app.branch) == (app.pk in expected), \
                (role, label)


@pytest.mark.django_db
def test_the_sql_filter_agrees_with_the_rule_case_by_case(alpha):
    with schema_context("alpha"):
        Branch.objects.get(code="robot").admins.add(alpha.user("branch_admin"))
        apps = {label: _in_review(n, step, branch)
                for n, (label, step, branch, _who) in enumerate(CASES, start=1)}
        assert apps["routed to robot"].review_role == "branch_admin"
        assert apps["routed to robot"].review_branch.code == "robot"
        assert apps["routed, joined HQ"].review_role == "hq_reviewer"
        assert apps["routed, joined HQ"].review_branch is None
        _check(alpha, apps, CASES)

        # Nobody active in the secretariat role: its step becomes the HQ administrator's too.
        staff_set_active(acting_user=alpha.user("hq_admin"), user=alpha.user("secretariat"),
                         active=False)
        _check(alpha, apps, [(label, step, branch, {"hq_admin"} if label == "secretariat"
                              else who) for label, step, branch, who in CASES])

        # Once 铸造分会 has an administrator, its step is no longer HQ's.
        foundry = Branch.objects.get(code="foundry")
        foundry.admins.add(alpha.user("branch_admin"))
        assert apps["routed to foundry, nobody there"].pk not in _queue_ids(
            alpha.user("hq_admin"))
        assert apps["routed to foundry, nobody there"].pk in _queue_ids(
            alpha.user("branch_admin"))


@pytest.mark.django_db
def test_a_decided_or_returned_application_leaves_the_queue_and_its_target_is_cleared(alpha):
    with schema_context("alpha"):
        app = _in_review(1, {"role": "hq_reviewer", "branch_routed": False}, None)
        assert app.pk in _queue_ids(alpha.user("reviewer"))
        _move(app, to=Status.RETURNED, position=None, action="returned",
              actor=alpha.user("reviewer"), reason="补充材料")
        app.refresh_from_db()
        assert (app.review_role, app.review_branch_id) == ("", None)
        assert _queue_ids(alpha.user("reviewer")) == set()


def _fill_queue(n: int, start: int = 1) -> None:
    first = MemberType.objects.get(code="senior").review_steps.first()
    first.role, first.branch_routed = "hq_reviewer", False
    first.save()
    revision_record(acting_user=None, summary="an HQ review step")
    senior = MemberType.objects.get(code="senior")
    for k in range(start, start + n):
        app = application_start(applicant=applicant(k), member_type=senior)
        app = Application.objects.select_related("revision", "member_type", "branch").get(
            pk=app.pk)
        _move(app, to=Status.IN_REVIEW, position=0, action="submitted", actor=app.applicant)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_queue_page_and_api_ask_as_many_queries_for_30_rows_as_for_3(alpha):
    with schema_context("alpha"):
        _fill_queue(3)
    client = alpha.client("hq_admin")
    client.get("/review/")  # the first request of a session warms caches of its own
    few_page, few_api = _queries(client, "/review/"), _queries(client, "/api/v1/review/")
    # the search path, session, account, roles held (once for both queues), the count, the
    # page's ids, its rows, their revisions, the change requests' count, the switches
    assert few_page <= 10
    with schema_context("alpha"):
        _fill_queue(27, start=4)
    page = client.get("/review/").content.decode()
    assert "30 件申请等待您处理" in page and page.count("申请人") >= 30
    assert _queries(client, "/review/") == few_page
    assert _queries(client, "/api/v1/review/") == few_api
    body = client.get("/api/v1/review/").json()
    assert body["count"] == 30 and len(body["results"]) == 30


@pytest.mark.django_db
def test_queue_pages_oldest_first_and_refuses_a_bad_page(alpha, monkeypatch):
    monkeypatch.setattr(selectors, "REVIEW_PAGE_SIZE", 2)
    with schema_context("alpha"):
        _fill_queue(3)
    client = alpha.client("reviewer")
    first = client.get("/review/").content.decode()
    assert "申请人1" in first and "申请人2" in first and "申请人3" not in first
    assert "第 1 页，共 2 页" in first and 'href="?page=2"' in first
    second = client.get("/review/?page=2").content.decode()
    assert "申请人3" in second and "申请人1" not in second and "上一页" in second
    bad = client.get("/review/?page=abc")
    assert bad.status_code == 400 and "页码无效" in bad.content.decode()
    api = client.get("/api/v1/review/?page=2").json()
    assert api["count"] == 3 and api["page"] == 2 and api["pages"] == 2
    assert api["next"] is None and api["previous"].endswith("/api/v1/review/?page=1")
    assert len(api["results"]) == 1
    assert client.get("/api/v1/review/?page=0").status_code == 400


@pytest.mark.django_db
def test_another_associations_applications_never_reach_the_queue(alpha, beta):
    with schema_context("alpha"):
        _fill_queue(1)
    assert "申请人1" in alpha.client("hq_admin").get("/review/").content.decode()
    assert "申请人1" not in beta.client("hq_admin").get("/review/").content.decode()
    assert beta.client("hq_admin").get("/api/v1/review/").json()["count"] == 0
