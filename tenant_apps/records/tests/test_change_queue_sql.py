"""The change-request queue at scale: filtered in SQL on the step target stored by
`change_requests._move` (`review_role`, `review_branch`), which must agree with `can_decide`
(the rule); paged, with a count; the same number of queries for 3 requests as for 30, on
/review/changes/ and on /review/ (which shows how many wait)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.accounts.services import staff_set_active
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.memberships.models import Membership
from tenant_apps.records import selectors
from tenant_apps.records.change_requests import (
    _open_one,
    can_decide,
    change_request_cancel,
    change_request_decide,
)
from tenant_apps.records.models import ChangeRequest, MemberRecord
from tenant_apps.records.services import record_set_branch

STAFF = ("hq_admin", "reviewer", "finance", "secretariat", "branch_admin")

HQ_STEP = {"role": "hq_reviewer", "branch_routed": False}
ROUTED = {"role": "branch_admin", "branch_routed": True}

# (label, kind, the step, the branch: asked to join, or the member's own for a change of
# details) -> who may decide it, in the harness's association: every staff role held by an
# active account, its branch administrator appointed to 机器人分会 (robot) only; 铸造分会
# (foundry) has no administrator.
CASES = [
    ("details, HQ review", "info", HQ_STEP, None, {"hq_admin", "reviewer"}),
    ("details, secretariat", "info", {"role": "secretariat", "branch_routed": False}, None,
     {"secretariat"}),
    ("join robot", "branch", ROUTED, "robot", {"branch_admin"}),
    ("details, member of robot", "info", ROUTED, "robot", {"branch_admin"}),
    ("join foundry, nobody there", "branch", ROUTED, "foundry", {"hq_admin"}),
    ("details, member of HQ", "info", ROUTED, "hq", {"hq_admin", "reviewer"}),
    ("details, no branch", "info", ROUTED, None, {"hq_admin", "reviewer"}),
    ("branch step not routed", "info", {"role": "branch_admin", "branch_routed": False},
     "robot", {"hq_admin"}),
]


def _record(n: int, branch: str | None = None) -> MemberRecord:
    membership = Membership.objects.create(
        user=applicant(n), member_type=MemberType.objects.get(code="senior"),
        number=f"T{n:05d}", status=Membership.Status.ACTIVE, activated_at=timezone.now(),
        valid_from=datetime.date(2026, 1, 1))
    return MemberRecord.objects.create(
        membership=membership, branch=Branch.objects.get(code=branch) if branch else None)


def _asking(n: int, kind: str, step: dict, branch: str | None,
            steps: list | None = None) -> ChangeRequest:
    """A request in review at its first step, submitted as the services do (`_open_one`)."""
    record = _record(n, branch if kind == "info" else None)
    fields = {"steps": steps or [{"name": "变更审核", **step}],
              "requested_by": record.membership.user}
    if kind == "branch":
        fields.update(branch=Branch.objects.get(code=branch),
                      changes={"branch": {"old": None, "new": branch}})
    else:
        fields.update(changes={"name": {"old": f"申请人{n}", "new": f"新名{n}"}})
    return _open_one(record, kind, **fields)


def _fresh(request: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.objects.select_related("record__branch", "branch").get(pk=request.pk)


def _queue_ids(user) -> set[int]:
    return {r.pk for r in selectors.change_request_queue(user, size=100).rows}


def _check(alpha, requests: dict, cases) -> None:
    for role in STAFF:
        user = alpha.user(role)
        expected = {requests[label].pk for label, _k, _s, _b, who in cases if role in who}
        assert _queue_ids(user) == expected, role
        assert selectors.change_requests_waiting(user) == len(expected), role
        for label, *_rest in cases:
            request = _fresh(requests[label])
            assert can_decide(user, request) == (request.pk in expected), (role, label)


@pytest.mark.django_db
def test_the_sql_filter_agrees_with_the_rule_case_by_case(alpha):
    with schema_context("alpha"):
        Branch.objects.get(code="robot").admins.add(alpha.user("branch_admin"))
        requests = {label: _asking(n, kind, step, branch)
                    for n, (label, kind, step, branch, _who) in enumerate(CASES, start=1)}
        joining = _fresh(requests["join robot"])
        assert (joining.review_role, joining.review_branch.code) == ("branch_admin", "robot")
        at_hq = _fresh(requests["details, member of HQ"])
        assert (at_hq.review_role, at_hq.review_branch) == ("hq_reviewer", None)
        _check(alpha, requests, CASES)

        # Nobody active in the secretariat role: its step becomes the HQ administrator's too.
        staff_set_active(acting_user=alpha.user("hq_admin"), user=alpha.user("secretariat"),
                         active=False)
        _check(alpha, requests, [
            (label, kind, step, branch, {"hq_admin"} if label == "details, secretariat"
             else who) for label, kind, step, branch, who in CASES])

        # Once 铸造分会 has an administrator, the request to join it is no longer HQ's.
        Branch.objects.get(code="foundry").admins.add(alpha.user("branch_admin"))
        assert requests["join foundry, nobody there"].pk not in _queue_ids(
            alpha.user("hq_admin"))
        assert requests["join foundry, nobody there"].pk in _queue_ids(
            alpha.user("branch_admin"))


@pytest.mark.django_db
def test_the_target_follows_each_step_the_member_s_branch_and_is_cleared_when_done(alpha):
    with schema_context("alpha"):
        robot_admin = alpha.user("branch_admin")
        Branch.objects.get(code="robot").admins.add(robot_admin)
        two_steps = [{"name": "分会审核", **ROUTED},
                     {"name": "秘书处审批", "role": "secretariat", "branch_routed": False}]
        request = _asking(1, "info", ROUTED, "robot", steps=two_steps)
        assert _queue_ids(robot_admin) == {request.pk}

        # the member moves to 铸造分会 (no administrator): the step is no longer robot's
        record = MemberRecord.objects.select_related("branch").get(pk=request.record_id)
        record_set_branch(acting_user=alpha.user("hq_admin"), record=record,
                          branch=Branch.objects.get(code="foundry"))
        moved = _fresh(request)
        assert (moved.review_role, moved.review_branch.code) == ("branch_admin", "foundry")
        assert _queue_ids(robot_admin) == set()
        assert _queue_ids(alpha.user("hq_admin")) == {request.pk}

        # approved at the branch step: the secretariat's turn
        change_request_decide(actor=alpha.user("hq_admin"), request=moved, decision="approve",
                              expected_position=0)
        second = _fresh(request)
        assert (second.position, second.review_role, second.review_branch) == (
            1, "secretariat", None)
        assert _queue_ids(alpha.user("secretariat")) == {request.pk}
        assert _queue_ids(alpha.user("hq_admin")) == set()

        # taken back: in nobody's queue, its target cleared
        change_request_cancel(acting_user=request.record.membership.user, request=second)
        gone = _fresh(request)
        assert (gone.status, gone.review_role, gone.review_branch) == ("cancelled", "", None)
        assert _queue_ids(alpha.user("secretariat")) == set()


def _fill(n: int, start: int = 1) -> None:
    for k in range(start, start + n):
        _asking(k, "info", HQ_STEP, None)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_queue_and_review_page_ask_as_many_queries_for_30_requests_as_for_3(alpha):
    with schema_context("alpha"):
        _fill(3)
    client = alpha.client("hq_admin")
    client.get("/review/changes/")  # the first request of a session warms caches of its own
    few_queue, few_review = _queries(client, "/review/changes/"), _queries(client, "/review/")
    with schema_context("alpha"):
        _fill(27, start=4)
    page = client.get("/review/changes/").content.decode()
    assert "30 件变更申请等待您处理" in page
    assert page.count("信息变更") >= 30 and "申请人30" in page
    assert "变更申请 <span class=\"badge badge-waiting\">30</span>" in \
        client.get("/review/").content.decode()
    assert _queries(client, "/review/changes/") == few_queue
    assert _queries(client, "/review/") == few_review


@pytest.mark.django_db
def test_queue_pages_oldest_first_and_refuses_a_bad_page(alpha, monkeypatch):
    monkeypatch.setattr(selectors, "CHANGE_QUEUE_PAGE_SIZE", 2)
    with schema_context("alpha"):
        _fill(3)
    client = alpha.client("reviewer")
    first = client.get("/review/changes/").content.decode()
    assert "申请人1" in first and "申请人2" in first and "申请人3" not in first
    assert "第 1 页，共 2 页" in first and 'href="?page=2"' in first
    second = client.get("/review/changes/?page=2").content.decode()
    assert "申请人3" in second and "申请人1" not in second and "上一页" in second
    bad = client.get("/review/changes/?page=abc")
    assert bad.status_code == 400 and "页码无效" in bad.content.decode()


@pytest.mark.django_db
def test_another_associations_requests_never_reach_the_queue(alpha, beta):
    with schema_context("alpha"):
        _fill(1)
    assert "申请人1" in alpha.client("hq_admin").get("/review/changes/").content.decode()
    assert "申请人1" not in beta.client("hq_admin").get("/review/changes/").content.decode()
