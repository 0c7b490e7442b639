"""Every template of every demo profile, rendered with what its event fills: nothing left
unfilled, nothing in English. The validator refuses what could not be filled."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from django.utils import translation

from tenant_apps.configuration.models import MessageEvent
from tenant_apps.configuration.profile import ProfileError, validate_profile
from tenant_apps.configuration.tests.test_profile_validation import MINIMAL
from tenant_apps.notifications.events import COMMON, EVENTS, example_values
from tenant_apps.notifications.services import association_language, render
from tenant_apps.notifications.tests.messages import english, unfilled
from tenants.profiles import load_profile

DEMO_PROFILES = ["cmes", "cacem", "caq", "jsgas", "generic"]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "messages.md"


def test_every_event_is_in_the_registry():
    assert set(EVENTS) == set(MessageEvent.values)


@pytest.mark.parametrize("slug", DEMO_PROFILES)
def test_every_template_of_every_demo_profile_is_filled_and_chinese(slug):
    templates = load_profile(slug)["message_templates"]
    assert templates
    for template in templates:
        values = example_values(template["event"])
        for part in ("subject", "body"):
            text = render(template[part], values)
            where = f"{slug} {template['event']}/{template['channel']} {part}: {text}"
            assert not unfilled(text), where
            assert not english(text, *values.values()), where


@pytest.mark.parametrize("event", [e for e, spec in EVENTS.items() if spec.defaults])
def test_default_messages_are_filled_and_in_the_associations_language(event):
    values = example_values(event)
    # an English browser or worker outside, the association's language inside
    with translation.override("en"), translation.override(association_language()):
        for subject, body in EVENTS[event].defaults.values():
            for text in (render(str(subject), values), render(str(body), values)):
                assert not unfilled(text), text
                assert not english(text, *values.values()), text
                assert re.search(r"[\u4e00-\u9fff]", text), text


def test_the_invoice_default_reads_as_written():
    values = {"name": "王五", "amount": "150", "order_number": "2026050100000001",
              "url": "http://cmes.localhost:8000/", "association": "中国机械工程学会",
              "member_type": "普通会员"}
    subject, body = EVENTS[MessageEvent.INVOICE_ISSUED].defaults["email"]
    with translation.override("zh-hans"):
        assert str(subject) == "您的会费电子票据"
        assert render(str(body), values) == (
            "王五，您交纳的会费150元（订单号2026050100000001）的电子票据已开具，见附件；也可在"
            "会员中心下载：http://cmes.localhost:8000/")


def _profile(**template) -> dict:
    doc = copy.deepcopy(MINIMAL)
    doc["message_templates"] = [{"channel": "email", "subject": "通知", **template}]
    return doc


def _problems(doc) -> dict[str, str]:
    with pytest.raises(ProfileError) as info:
        validate_profile(doc, filename="p.yaml")
    return dict(info.value.problems)


def test_a_placeholder_the_event_does_not_fill_is_refused_with_its_path():
    with translation.override("en"):
        found = _problems(_profile(event="application_submitted",
                                   body="{name}，请交纳会费{amount}元"))
    assert list(found) == ["message_templates[0].body"]
    assert "{amount}" in found["message_templates[0].body"]
    assert "Application submitted" in found["message_templates[0].body"]


def test_a_member_number_before_there_is_one_is_refused():
    with translation.override("en"):
        found = _problems(_profile(event="application_approved", channel="sms", subject="",
                                   body="会员号：{member_number}"))
    assert "{member_number}" in found["message_templates[0].body"]


def test_the_refusal_is_in_chinese_for_chinese_staff():
    with translation.override("zh-hans"):
        found = _problems(_profile(event="payment_required", body="{reason}"))
    assert re.search(r"[\u4e00-\u9fff]", found["message_templates[0].body"])


def test_a_stray_brace_is_refused():
    with translation.override("en"):
        found = _problems(_profile(event="application_submitted", body="请注意{"))
    assert "message_templates[0].body" in found


def test_every_variable_an_event_declares_is_accepted():
    for event, spec in EVENTS.items():
        body = "".join(f"{{{v}}}" for v in (*COMMON, *spec.variables))
        validate_profile(_profile(event=event, body=body), filename="p.yaml")


def _with_contacts(contacts: dict | None) -> dict:
    doc = copy.deepcopy(MINIMAL)
    group = {"key": "liaisons", "label": "联络员", "type": "group", "min_items": 1,
             "max_items": 2, "fields": [
                 {"key": "liaison_name", "label": "姓名", "type": "text"},
                 {"key": "liaison_mobile", "label": "手机", "type": "phone"},
                 {"key": "liaison_email", "label": "邮箱", "type": "email"}]}
    if contacts is not None:
        group["contacts"] = contacts
    doc["member_types"][0]["application_form"]["steps"][0]["fields"].append(group)
    return doc


def test_contacts_name_fields_of_their_group_of_the_right_kind():
    doc = _with_contacts({"name": "liaison_name", "phone": "liaison_email",
                          "email": "nowhere"})
    with translation.override("en"):
        found = _problems(doc)
    base = "member_types[0].application_form.steps[0].fields[3].contacts"
    assert set(found) == {f"{base}.phone", f"{base}.email"}
    assert "liaison_mobile" in found[f"{base}.phone"]  # the message lists the group's fields


def test_contact_recipients_need_contacts_and_a_channel_that_reaches_them():
    template = {"event": "member_activated", "channel": "sms", "recipients": "first_contact",
                "body": "会员号{member_number}"}
    with translation.override("en"):
        found = _problems({**_with_contacts(None), "message_templates": [template]})
        assert "no member type names its contacts" in found["message_templates[0].recipients"]
        inbox = {**template, "channel": "inbox", "subject": "通知"}
        found = _problems({**_with_contacts({"phone": "liaison_mobile"}),
                           "message_templates": [inbox]})
        assert "applicant's account" in found["message_templates[0].recipients"]
        signup = {**template, "event": "account_registered", "body": "{login}"}
        found = _problems({**_with_contacts({"phone": "liaison_mobile"}),
                           "message_templates": [signup]})
        assert "not about an application" in found["message_templates[0].recipients"]
    doc = {**_with_contacts({"phone": "liaison_mobile"}), "message_templates": [template]}
    assert validate_profile(doc, filename="p.yaml")["message_templates"][0]["recipients"] \
        == "first_contact"


def test_the_docs_list_every_event_with_its_variables():
    text = DOCS.read_text(encoding="utf-8")
    for event, spec in EVENTS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{event}`")),
                   None)
        assert row, f"docs/messages.md has no row for {event}"
        listed = set(re.findall(r"`\{(\w+)\}`", row))
        assert listed == set(spec.variables), (event, listed)


@pytest.mark.django_db
def test_the_template_screen_refuses_a_placeholder_beside_the_field(alpha):
    from django_tenants.utils import schema_context

    from tenant_apps.configuration.models import MessageTemplate

    client = alpha.client("hq_admin")
    form = {"event": "application_submitted", "channel": "email", "recipients": "applicant",
            "subject": "申请已收到", "body": "{name}，请交纳会费{amount}元。", "active": "on"}
    response = client.post("/manage/config/templates/new/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field has-error"' in page and "{amount}" in page
    assert "申请已提交" in page  # the event named as staff know it, in Chinese
    with schema_context("alpha"):
        assert not MessageTemplate.objects.filter(body__contains="{amount}",
                                                  event="application_submitted").exists()
    refused = client.post("/manage/config/templates/new/",
                          {**form, "channel": "sms", "recipients": "first_contact",
                           "body": "{name}您好"})
    assert refused.status_code == 400  # alpha's forms name no contacts
    page = client.get("/manage/config/templates/").content.decode()
    assert "{member_number}" in page and "各事件可用的占位符" in page
