"""An image answer names a stored image of the applicant's own: an id of someone else's file,
or any other text, sent through the API or a form, is refused beside the field."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.engine import form_steps
from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start, type_doc
from tenant_apps.applications.tests.helpers import PNG, applicant, upload
from tenant_apps.configuration.models import MemberType
from tenant_apps.files.services import private_file_store

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def _photo_step(app) -> int:
    return next(s.index for s in form_steps(type_doc(app))
                if any(f["key"] == "photo" for f in s.fields))


@pytest.mark.django_db
def test_an_image_answer_must_be_the_applicants_own_image(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(72),
                                member_type=MemberType.objects.get(code="student"))
        other = alpha.user("other")
        theirs = private_file_store(acting_user=other, owner=other,
                                    uploaded=upload("their.png", PNG), content_type="image/png")
        mine = private_file_store(acting_user=app.applicant, owner=app.applicant,
                                  uploaded=upload("mine.png", PNG), content_type="image/png")
        index = _photo_step(app)
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(app.applicant, backend=BACKEND)
    url = f"/api/v1/applications/{app.public_id}/steps/{index}/"
    for foreign in (str(theirs.public_id), "uploaded-image", "../../etc/passwd"):
        refused = client.put(url, {"answers": {"photo": foreign}},
                             content_type="application/json")
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["fields"] == {"photo": "请重新上传图片。"}
        with schema_context("alpha"):
            assert "photo" not in Application.objects.get(pk=app.pk).answers
    kept = client.put(url, {"answers": {"photo": str(mine.public_id)}},
                      content_type="application/json")
    assert kept.status_code == 200, kept.content
    with schema_context("alpha"):
        assert Application.objects.get(pk=app.pk).answers["photo"] == str(mine.public_id)


@pytest.mark.django_db
def test_pictures_for_image_questions_through_the_api(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(73),
                                member_type=MemberType.objects.get(code="student"))
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(app.applicant, backend=BACKEND)
    url = f"/api/v1/applications/{app.public_id}/images/"
    not_image = client.post(url, {"field": "photo", "file": upload("a.png", b"%PDF-1.4\n")})
    assert not_image.status_code == 400
    assert not_image.json()["error"]["message"] == "请上传图片（JPG、PNG 格式）。"
    no_such = client.post(url, {"field": "nickname", "file": upload("a.png", PNG)})
    assert no_such.status_code == 400
    stored = client.post(url, {"field": "photo", "file": upload("a.png", PNG)})
    assert stored.status_code == 201
    # someone else's application is not theirs to add pictures to
    other = alpha.client("other")
    assert other.post(url, {"field": "photo", "file": upload("a.png", PNG)}).status_code == 404


@pytest.mark.django_db
def test_the_reviewer_sees_an_image_answer_in_place(alpha):
    from tenant_apps.applications.services import application_submit
    from tenant_apps.applications.tests.helpers import complete

    with schema_context("alpha"):
        app = application_start(applicant=applicant(74),
                                member_type=MemberType.objects.get(code="student"))
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
        photo = Application.objects.get(pk=app.pk).answers["photo"]
    reviewer = alpha.client("reviewer")
    page = reviewer.get(f"/review/{app.public_id}/").content.decode()
    assert f'<img src="/files/{photo}/view/" alt="个人照片"' in page
    assert "（已上传图片）" not in page
    shown = reviewer.get(f"/files/{photo}/view/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    # someone who may not open the application still cannot see it
    assert alpha.client("other").get(f"/files/{photo}/view/").status_code == 404
