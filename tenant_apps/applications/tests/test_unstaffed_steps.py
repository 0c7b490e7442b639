"""Review steps whose role nobody holds: flagged on the queue and the configuration screen
("无人负责此环节"), and decided by HQ administrators; branch administrators appointed on the
staff page see their own branch's applications only."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from huiji.errors import Forbidden
from tenant_apps.accounts.services import staff_invite, staff_set_active
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_start,
    application_submit,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.configuration.services import revision_record

FLAG = "无人负责此环节"


def senior_step(**change) -> None:
    step = MemberType.objects.get(code="senior").review_steps.first()
    for key, value in change.items():
        setattr(step, key, value)
    step.save()
    revision_record(acting_user=None, summary="a changed senior chain for the test")


def submitted_senior(n: int, branch: str | None = None):
    app = application_start(applicant=applicant(n), member_type=MemberType.objects.get(
        code="senior"), branch=Branch.objects.get(code=branch) if branch else None)
    complete(app)
    return application_submit(application=app, actor=app.applicant)


@pytest.mark.django_db
def test_branch_step_without_an_administrator_is_flagged_and_hq_decides_it(alpha):
    with schema_context("alpha"):
        senior_step(role="branch_admin", branch_routed=True)
        app = submitted_senior(1, branch="foundry")  # 铸造分会 has no administrator
        hq = alpha.user("hq_admin")
    queue = alpha.client("hq_admin").get("/review/").content.decode()
    assert "申请人1" in queue and FLAG in queue
    page = alpha.client("hq_admin").get(f"/review/{app.public_id}/").content.decode()
    assert FLAG in page and 'value="approve"' in page
    with schema_context("alpha"):
        app = review_decide(application=app, actor=hq, decision="approve", expected_position=0)
    assert app.status == Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_once_the_branch_has_an_administrator_hq_no_longer_decides_it(alpha):
    with schema_context("alpha"):
        senior_step(role="branch_admin", branch_routed=True)
        app = submitted_senior(1, branch="robot")
        staff_invite(acting_user=alpha.user("hq_admin"), name="机器人分会管理员",
                     phone="13912349001", roles=["branch_admin"],
                     branches=[Branch.objects.get(code="robot")])
        with pytest.raises(Forbidden):
            review_decide(application=app, actor=alpha.user("hq_admin"), decision="approve",
                          expected_position=0)
    queue = alpha.client("hq_admin").get("/review/").content.decode()
    assert "申请人1" not in queue


@pytest.mark.django_db
def test_secretariat_step_with_nobody_in_the_role(alpha):
    with schema_context("alpha"):
        senior_step(role="secretariat")
        app = submitted_senior(1)
        hq = alpha.user("hq_admin")
        # The only secretariat account: while it is active, the step is its alone.
        with pytest.raises(Forbidden):
            review_decide(application=app, actor=hq, decision="approve", expected_position=0)
        assert FLAG not in alpha.client("secretariat").get("/review/").content.decode()
        staff_set_active(acting_user=hq, user=alpha.user("secretariat"), active=False)
    queue = alpha.client("hq_admin").get("/review/").content.decode()
    assert "申请人1" in queue and FLAG in queue
    # A reviewer is no HQ administrator: it still is not theirs.
    assert "申请人1" not in alpha.client("reviewer").get("/review/").content.decode()
    with schema_context("alpha"):
        app = review_decide(application=app, actor=hq, decision="approve", expected_position=0)
    assert app.status == Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_configuration_screen_flags_the_steps_nobody_holds(alpha):
    hq = alpha.client("hq_admin")
    assert FLAG not in hq.get("/manage/config/types/senior/").content.decode()
    with schema_context("alpha"):
        senior_step(role="branch_admin", branch_routed=True)
        staff_invite(acting_user=alpha.user("hq_admin"), name="机器人分会管理员",
                     phone="13912349001", roles=["branch_admin"],
                     branches=[Branch.objects.get(code="robot")])
    page = hq.get("/manage/config/types/senior/").content.decode()
    assert FLAG in page
    assert "铸造分会" in page.split(FLAG, 1)[1]
    assert "机器人分会" not in page.split(FLAG, 1)[1].split("</li>", 1)[0]
    with schema_context("alpha"):
        senior_step(role="secretariat", branch_routed=False)
        staff_set_active(acting_user=alpha.user("hq_admin"), user=alpha.user("secretariat"),
                         active=False)
    assert FLAG in hq.get("/manage/config/types/senior/").content.decode()


@pytest.mark.django_db
def test_a_branch_administrator_appointed_on_the_staff_page_sees_that_branch_only(alpha):
    with schema_context("alpha"):
        senior_step(role="branch_admin", branch_routed=True)
        robot_app = submitted_senior(1, branch="robot")
        foundry_app = submitted_senior(2, branch="foundry")
        person = alpha.user("branch_admin")
    hq = alpha.client("hq_admin")
    saved = hq.post(f"/manage/staff/{person.public_id}/", {"roles": ["branch_admin"],
                                                            "branches": ["robot"]})
    assert saved.status_code == 302
    mine = alpha.client("branch_admin")
    queue = mine.get("/review/").content.decode()
    assert "申请人1" in queue and "申请人2" not in queue
    assert mine.get(f"/review/{robot_app.public_id}/").status_code == 200
    assert mine.get(f"/review/{foundry_app.public_id}/").status_code == 404
    api = [a["id"] for a in mine.get("/api/v1/review/").json()["results"]]
    assert api == [str(robot_app.public_id)]
