"""The journey through its pages and its API, with the checks a reviewer cares about:
branch routing, drafts, errors beside fields, query counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import (
    application_start,
    application_submit,
)
from tenant_apps.applications.tests.helpers import PNG, applicant, complete, upload
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.configuration.services import revision_record


def _client(host: str, user) -> Client:
    client = Client(HTTP_HOST=host)
    with schema_context(host.split(".")[0]):  # the session lives in the association's schema
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


@pytest.mark.django_db
def test_step_errors_show_beside_the_field_and_drafts_keep_what_was_typed(alpha):
    with schema_context("alpha"):
        person = applicant(60)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="senior"))
        client = _client(alpha.host, person)
        # application step with the ID number (step index 1: registration form is step 0)
        response = client.post(f"/apply/{app.public_id}/step/1/", {
            "action": "next", "id_number": "110105194912310021", "domestic_school": "清华大学"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "身份证号" in page or "resident ID" in page
        assert 'value="清华大学"' in page  # what was typed stays on the page
        saved = client.post(f"/apply/{app.public_id}/step/1/", {
            "action": "save", "domestic_school": "清华大学"})
        assert saved.status_code == 302
        app.refresh_from_db()
        assert app.answers["domestic_school"] == "清华大学"
        # logging out and in again resumes at the step
        client.logout()
        client = _client(alpha.host, person)
        assert client.get("/apply/")["Location"] == f"/apply/{app.public_id}/step/1/"


@pytest.mark.django_db
def test_branch_admin_sees_only_their_branch(alpha):
    with schema_context("alpha"):
        senior = MemberType.objects.get(code="senior")
        step = senior.review_steps.first()
        step.role, step.branch_routed = "branch_admin", True
        step.save()
        revision_record(acting_user=None, summary="branch review")
        robot, foundry = Branch.objects.get(code="robot"), Branch.objects.get(code="foundry")
        robot_admin = user_create(acting_user=None, name="机器人分会管理员",
                                  username="robot-admin", password="Branch-2026-pass",
                                  roles=[Role.BRANCH_ADMIN])
        foundry_admin = user_create(acting_user=None, name="铸造分会管理员",
                                    username="foundry-admin", password="Branch-2026-pass",
                                    roles=[Role.BRANCH_ADMIN])
        robot.admins.add(robot_admin)
        foundry.admins.add(foundry_admin)
        app = application_start(applicant=applicant(61, name="机器人申请人"),
                                member_type=senior, branch=robot)
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
    robot_client = _client(alpha.host, robot_admin)
    foundry_client = _client(alpha.host, foundry_admin)
    assert "机器人申请人" in robot_client.get("/review/").content.decode()
    assert "机器人申请人" not in foundry_client.get("/review/").content.decode()
    assert foundry_client.get(f"/review/{app.public_id}/").status_code == 404
    assert foundry_client.get(f"/api/v1/review/{app.public_id}/").status_code == 404
    page = robot_client.get(f"/review/{app.public_id}/").content.decode()
    assert "待分会审" in page


@pytest.mark.django_db
def test_two_reviewers_the_second_is_told(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(62),
                                member_type=MemberType.objects.get(code="senior"))
        complete(app)
        application_submit(application=app, actor=app.applicant)
    first, second = alpha.client("hq_admin"), alpha.client("reviewer")
    assert first.post(f"/review/{app.public_id}/", {"decision": "approve",
                                                    "position": "0"}).status_code == 302
    late = second.post(f"/review/{app.public_id}/", {"decision": "reject", "position": "0",
                                                     "reason": "迟到的驳回"})
    assert late.status_code == 409
    assert "已处理" in late.content.decode() or "already handled" in late.content.decode()
    with schema_context("alpha"):
        assert Application.objects.get(pk=app.pk).status == Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_the_journey_through_the_api(alpha, django_capture_on_commit_callbacks):
    with schema_context("alpha"):
        person = applicant(63)
    client = _client(alpha.host, person)
    started = client.post("/api/v1/applications/", {"member_type": "student",
                                                    "referral": "other"},
                          content_type="application/json")
    assert started.status_code == 201, started.content
    body = started.json()
    app_id = body["id"]
    assert body["status"] == "draft" and body["problems"]
    bad = client.put(f"/api/v1/applications/{app_id}/steps/0/",
                     {"answers": {"email": "not-an-email"}, "finish": True},
                     content_type="application/json")
    assert bad.status_code == 400 and "email" in bad.json()["error"]["fields"]
    for step in body["steps"]:
        from tenant_apps.applications.tests.helpers import sample_value

        answers = {f["key"]: sample_value(f, branch="robot") for f in step["fields"]}
        for f in step["fields"]:
            if f["type"] == "image":  # a picture is uploaded first; its id is the answer
                stored = client.post(f"/api/v1/applications/{app_id}/images/",
                                     {"field": f["key"], "file": upload("me.png", PNG)})
                assert stored.status_code == 201, stored.content
                answers[f["key"]] = stored.json()["id"]
        ok = client.put(f"/api/v1/applications/{app_id}/steps/{step['index']}/",
                        {"answers": answers, "finish": True}, content_type="application/json")
        assert ok.status_code == 200, ok.content
    assert client.post(f"/api/v1/applications/{app_id}/notices/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        submitted = client.post(f"/api/v1/applications/{app_id}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "completed"
    assert submitted.json()["status_label"] == "正式会员"
    timeline = client.get(f"/api/v1/applications/{app_id}/timeline/").json()
    assert [e["action"] for e in timeline][-1] == "submitted"
    inbox = client.get("/api/v1/messages/").json()
    assert inbox["unread"] >= 1


@pytest.mark.django_db
def test_key_pages_query_counts(alpha, django_assert_max_num_queries):
    with schema_context("alpha"):
        person = applicant(64)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="senior"))
        complete(app)
    client = _client(alpha.host, person)
    client.get("/")  # warm the host cache
    with django_assert_max_num_queries(12):
        assert client.get(f"/apply/{app.public_id}/step/1/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/apply/{app.public_id}/confirm/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/member/").status_code == 200
    staff = alpha.client("hq_admin")
    with django_assert_max_num_queries(12):
        assert staff.get("/review/").status_code == 200


@pytest.mark.django_db
def test_image_field_takes_images_only(alpha):
    with schema_context("alpha"):
        person = applicant(65)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="senior"))
    client = _client(alpha.host, person)
    from django.core.files.uploadedfile import SimpleUploadedFile

    step = 2  # 补充信息, with the photo
    bad = client.post(f"/apply/{app.public_id}/step/{step}/", {
        "action": "save", "photo": SimpleUploadedFile("photo.jpg", b"MZ" + b"0" * 50)})
    assert bad.status_code == 400
    assert "图片" in bad.content.decode()
    with schema_context("alpha"):
        app.refresh_from_db()
        assert "photo" not in app.answers
    good = client.post(f"/apply/{app.public_id}/step/{step}/", {
        "action": "save", "photo": SimpleUploadedFile("photo.png", PNG)})
    assert good.status_code == 302
    with schema_context("alpha"):
        app.refresh_from_db()
        assert app.answers["photo"]


@pytest.mark.django_db
def test_materials_are_served_to_the_applicant_and_their_reviewers_only(alpha):
    with schema_context("alpha"):
        senior = MemberType.objects.get(code="senior")
        step = senior.review_steps.first()
        step.role, step.branch_routed = "branch_admin", True
        step.save()
        from tenant_apps.configuration.models import UploadRequirement

        UploadRequirement.objects.create(member_type=senior, key="proof", label="证明",
                                         kinds=["image"], max_size_mb=2, max_count=1)
        revision_record(acting_user=None, summary="branch review with a proof")
        robot, foundry = Branch.objects.get(code="robot"), Branch.objects.get(code="foundry")
        robot_admin = user_create(acting_user=None, name="甲", username="robot-a",
                                  password="Branch-2026-pass", roles=[Role.BRANCH_ADMIN])
        foundry_admin = user_create(acting_user=None, name="乙", username="foundry-a",
                                    password="Branch-2026-pass", roles=[Role.BRANCH_ADMIN])
        robot.admins.add(robot_admin)
        foundry.admins.add(foundry_admin)
        app = application_start(applicant=applicant(66), member_type=senior, branch=robot)
        complete(app)
        url = f"/files/{app.uploads.get(requirement='proof').file.public_id}/"
    assert _client(alpha.host, app.applicant).get(url).status_code == 200
    assert _client(alpha.host, robot_admin).get(url).status_code == 200
    assert _client(alpha.host, foundry_admin).get(url).status_code == 404
    assert alpha.client("reviewer").get(url).status_code == 200
    assert alpha.client("other").get(url).status_code == 404


@pytest.mark.django_db
def test_journey_endpoints_are_in_the_openapi_schema(alpha):
    import yaml

    schema = yaml.safe_load(Client(HTTP_HOST=alpha.host).get("/api/schema/").content)
    assert {"/api/v1/applications/", "/api/v1/applications/{public_id}/steps/{index}/",
            "/api/v1/applications/{public_id}/submit/", "/api/v1/review/",
            "/api/v1/review/{public_id}/", "/api/v1/messages/", "/api/v1/accounts/code/",
            "/api/v1/accounts/signup/"} <= set(schema["paths"])
