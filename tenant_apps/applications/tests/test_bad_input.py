"""Parameters that are not numbers answer 400 with a message on the page and change
nothing (they used to raise inside the view: a server error)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import (
    application_add_upload,
    application_start,
    application_submit,
)
from tenant_apps.applications.tests.helpers import PNG, applicant, complete
from tenant_apps.configuration.models import MemberType
from tenants.models import Association
from tenants.services import association_create

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def test_remove_that_is_not_a_number(db):
    if not Association.objects.filter(slug="jsgas").exists():  # its unit type asks for files
        association_create(acting_user=None, name="江苏", slug="jsgas", profile="jsgas",
                           admin_name="Admin", admin_email="a@jsgas.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("jsgas"):
        app = application_start(applicant=applicant(90),
                                member_type=MemberType.objects.get(code="unit"))
        application_add_upload(application=app, actor=app.applicant,
                               requirement="business_licence",
                               uploaded=SimpleUploadedFile("licence.png", PNG))
        client = Client(HTTP_HOST="jsgas.localhost")
        client.force_login(app.applicant, backend=BACKEND)
    response = client.post(f"/apply/{app.public_id}/uploads/", {
        "requirement": "business_licence", "remove": "abc"})
    assert response.status_code == 400
    assert "要删除的文件无效。" in response.content.decode()
    with schema_context("jsgas"):
        assert app.uploads.count() == 1


@pytest.mark.django_db
def test_review_position_that_is_not_a_number(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(91),
                                member_type=MemberType.objects.get(code="senior"))
        complete(app)
        application_submit(application=app, actor=app.applicant)
    response = alpha.client("hq_admin").post(f"/review/{app.public_id}/", {
        "decision": "approve", "position": "abc"})
    assert response.status_code == 400
    assert "请刷新页面：审核步骤无效。" in response.content.decode()
    with schema_context("alpha"):
        app = Application.objects.get(pk=app.pk)
        assert (app.status, app.review_position) == (Status.IN_REVIEW, 0)
