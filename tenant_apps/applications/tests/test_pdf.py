"""The generated application form prints what the applicant typed, as text: markup in an
answer is neither obeyed nor a server error, and a path in an answer reads no server file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from tenant_apps.applications.services import application_save_step, application_start
from tenant_apps.applications.tests.helpers import (
    applicant,
    complete,
    pdf_images,
    pdf_text,
)
from tenant_apps.configuration.models import MemberType
from tenant_apps.files.services import private_file_store


def _beta_private_image(beta) -> str:
    """Where another association's member's private upload (a real picture, which ReportLab
    would draw) lies on the server's disk."""
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(picture, "PNG")
    with schema_context("beta"):
        owner = beta.user("member")
        record = private_file_store(
            acting_user=owner, owner=owner, content_type="image/png",
            uploaded=SimpleUploadedFile("licence.png", picture.getvalue()))
        return record.file.path


@pytest.mark.django_db
def test_form_pdf_prints_markup_as_text_and_embeds_no_server_file(alpha, beta):
    stolen = _beta_private_image(beta)
    with schema_context("alpha"):
        person = applicant(70)
        application = application_start(applicant=person,
                                        member_type=MemberType.objects.get(code="regular"))
        complete(application)
        application.refresh_from_db()
        # Step 1 (the first application step) asks for employer, department and address.
        errors = application_save_step(
            application=application, actor=person, step_index=1, finish=True,
            data={**application.answers, "employer": "a<b", "department": "<b>",
                  "address": "<br>北京市<font size=100>海淀区"})
        assert not errors, errors
        application.refresh_from_db()
        errors = application_save_step(
            application=application, actor=person, step_index=2, finish=True,
            data={**application.answers,
                  "work_experience": f'<img src="{stolen}" width="400" height="400"/>\n'
                                     "2020 起任研究员"})
        assert not errors, errors
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
    response = client.get(f"/apply/{application.public_id}/form.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for typed in ("a<b", "<b>", "<br>北京市<font size=100>海淀区", "<img src="):
        assert typed in text
    assert "2020 起任研究员" in text.splitlines()  # the typed line break is kept
    assert pdf_images(response.content) == []
