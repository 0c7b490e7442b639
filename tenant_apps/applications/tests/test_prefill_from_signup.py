"""What the applicant gave at sign-up (name, phone, email; a unit's name) is already in the
application's registration fields (`from_account` in the profile), not typed twice. alpha
has the CMES profile: its registration step asks 姓名, 手机 and Email again."""

from __future__ import annotations

import copy
import re

import pytest
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Application
from tenant_apps.configuration.profile import ProfileError, validate_profile
from tenant_apps.configuration.tests.test_profile_validation import MINIMAL
from tenants.profiles import load_profile
from tests.harness import PASSWORD


def input_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input id="f_{name}" name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None


@pytest.mark.django_db
def test_the_registration_step_shows_what_was_given_at_sign_up(alpha):
    with schema_context("alpha"):
        person = user_create(acting_user=None, name="钱七", phone="13900077001",
                             email="qian7@example.test", password=PASSWORD)
    client = Client(HTTP_HOST=alpha.host)
    with schema_context("alpha"):
        client.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
    started = client.post("/apply/", {"member_type": "regular", "referral": "other"})
    assert started.status_code == 302
    with schema_context("alpha"):
        application = Application.objects.get(applicant=person)
    page = client.get(f"/apply/{application.public_id}/step/0/").content.decode()
    assert "账号信息" in page
    assert input_value(page, "name") == "钱七"
    assert input_value(page, "mobile") == "13900077001"
    assert input_value(page, "email") == "qian7@example.test"
    # What sign-up did not ask for stays empty for the applicant to give.
    assert '<option value="男" selected>' not in page and '<option value="女" selected>' \
        not in page
    # ...and the API answers the same draft.
    answers = client.get("/api/v1/applications/current/").json()["answers"]
    assert answers["name"] == "钱七" and answers["mobile"] == "13900077001"
    assert answers["email"] == "qian7@example.test"


@pytest.mark.django_db
def test_nothing_is_prefilled_that_sign_up_did_not_give(alpha):
    with schema_context("alpha"):
        person = user_create(acting_user=None, name="孙九", email="sun9@example.test",
                             password=PASSWORD)
    client = Client(HTTP_HOST=alpha.host)
    with schema_context("alpha"):
        client.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
    client.post("/apply/", {"member_type": "regular", "referral": "other"})
    with schema_context("alpha"):
        answers = Application.objects.get(applicant=person).answers
    assert answers == {"name": "孙九", "email": "sun9@example.test"}


def test_the_demo_profiles_mark_the_sign_up_fields():
    def marked(profile, code):
        mtype = next(t for t in load_profile(profile)["member_types"] if t["code"] == code)
        return {f["key"]: f["from_account"] for s in
                mtype["registration_form"]["steps"] + mtype["application_form"]["steps"]
                for f in s["fields"] if f.get("from_account")}

    assert marked("cmes", "regular") == {"name": "name", "mobile": "phone", "email": "email"}
    assert marked("caq", "unit") == {"email": "email", "unit_name": "name"}
    assert marked("caq", "individual") == {"email": "email", "name": "name"}
    assert marked("cacem", "unit") == {"handler_name": "name", "mobile": "phone"}


@pytest.mark.parametrize(("field", "rule"), [
    ({"key": "id_number", "label": "证件号", "type": "cn_id", "from_account": "name"},
     "name goes in a text field"),
    ({"key": "name", "label": "姓名", "type": "text", "from_account": "password"},
     "must be one of: email, name, phone"),
])
def test_from_account_on_the_wrong_field_is_refused(field, rule):
    document = copy.deepcopy(MINIMAL)
    document["member_types"][0]["application_form"]["steps"][0]["fields"] = [field]
    with translation.override("en"), pytest.raises(ProfileError) as info:
        validate_profile(document, filename="test.yaml")
    assert ("member_types[0].application_form.steps[0].fields[0].from_account", rule) \
        in info.value.problems
