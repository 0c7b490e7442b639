"""A profile file is checked whole; every problem names the file, the path and the rule."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.utils import translation

from tenant_apps.configuration.fieldtypes import FieldValueError, clean_value
from tenant_apps.configuration.profile import ProfileError, load_profile_text, validate_profile

MINIMAL = {
    "format": "huiji-profile/1",
    "association": {"name": "测试学会"},
    "branches": [{"code": "hq", "name": "总部", "kind": "hq",
                  "children": [{"code": "robot", "name": "机器人分会", "kind": "professional"}]}],
    "referral_channels": [{"code": "other", "label": "其他", "kind": "other",
                           "default_branch": "hq"}],
    "member_types": [{
        "code": "regular", "name": "普通会员", "kind": "individual",
        "years": [1, 2, 3],
        "fees": [{"amount_fen": 5000, "effective_from": "2020-01-01"}],
        "application_form": {"steps": [{"title": "基本信息", "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": True},
            {"key": "id_number", "label": "证件号", "type": "cn_id"},
            {"key": "interests", "label": "兴趣分会", "type": "multichoice",
             "choices_from": "branches", "max_choices": 3},
        ]}]},
        "review_chain": [{"name": "总会审核", "role": "hq_reviewer", "stage": "before_payment"}],
    }],
    "payment_accounts": [{"kind": "bank", "display_name": "对公转账", "enabled": True,
                          "account_name": "测试学会", "account_number": "0200002809014498969",
                          "bank_name": "工商银行北京西四支行"}],
}


@pytest.fixture(autouse=True)
def _english():
    # Rules are asserted in English here; test_messages_are_chinese_by_default checks zh-hans.
    with translation.override("en"):
        yield


def test_messages_are_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(FieldValueError) as info:
        clean_value({"type": "postcode"}, "1000")
    assert str(info.value) == "邮政编码为 6 位数字。"


def problems_of(document) -> list[tuple[str, str]]:
    with pytest.raises(ProfileError) as info:
        validate_profile(document, filename="test.yaml")
    return info.value.problems


def test_minimal_profile_is_valid_and_normalised():
    out = validate_profile(copy.deepcopy(MINIMAL), filename="test.yaml")
    mtype = out["member_types"][0]
    assert mtype["validity"]["rule"] == "calendar_year"
    assert mtype["review_required"] is True
    assert out["accounts"]["login"] == ["phone_password"]
    assert out["branches"][0]["children"][0]["code"] == "robot"


@pytest.mark.parametrize(("path", "value", "where", "rule"), [
    (("member_types", 0, "fees", 0, "amount_fen"), -1,
     "member_types[0].fees[0].amount_fen", "from 0 to 10000000000"),
    (("member_types", 0, "fees", 0, "amount_fen"), 2**63,  # would not fit the column
     "member_types[0].fees[0].amount_fen", "from 0 to 10000000000"),
    (("member_types", 0, "fees", 0, "amount_fen"), 50.5,
     "member_types[0].fees[0].amount_fen", "whole number of fen"),
    (("member_types", 0, "kind"), "company", "member_types[0].kind", "must be one of"),
    (("member_types", 0, "review_chain", 0, "role"), "boss",
     "member_types[0].review_chain[0].role", "must be one of"),
    (("member_types", 0, "years"), [1, 1], "member_types[0].years", "twice"),
    (("referral_channels", 0, "default_branch"), "nowhere",
     "referral_channels[0].default_branch", "names no branch"),
    (("member_types", 0, "application_form", "steps", 0, "fields", 2, "max_choices"), 0,
     "member_types[0].application_form.steps[0].fields[2].max_choices", "from 1 to 100"),
    (("member_types", 0, "validity"), {"rule": "until_field", "field": "name"},
     "member_types[0].validity.field", "date field"),
    (("member_types", 0, "overdue"), {"suspend_after_months": 12, "lapse_after_months": 6},
     "member_types[0].overdue.lapse_after_months", "must not come before"),
    (("member_types", 0, "overdue"), {"after_lapse": "forgive"},
     "member_types[0].overdue.after_lapse", "must be one of"),
    (("member_types", 0, "renewal"), {"reminders_days_before": [30, 0]},
     "member_types[0].renewal.reminders_days_before[1]", "from 1 to 366"),
    (("member_types", 0, "renewal"), {"remind_days_before_lapse": "soon"},
     "member_types[0].renewal.remind_days_before_lapse", "from 1 to 366"),
    (("member_types", 0, "renewal"), {"every_day": True},
     "member_types[0].renewal.every_day", ""),
    (("format",), "huiji-profile/9", "format", "huiji-profile/1"),
])
def test_each_broken_rule_is_named_with_its_path(path, value, where, rule):
    document = copy.deepcopy(MINIMAL)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    found = problems_of(document)
    assert any(p == where and rule in r for p, r in found), found


def test_cross_rules():
    document = copy.deepcopy(MINIMAL)
    second = copy.deepcopy(document["member_types"][0])
    second["code"] = "senior"
    second["review_chain"] = [
        {"name": "缴费后复核", "role": "finance", "stage": "after_payment"},
        {"name": "分会审核", "role": "hq_reviewer", "stage": "before_payment",
         "branch_routed": True}]
    second["application_form"]["steps"][0]["fields"][0]["key"] = "name"
    document["member_types"].append(second)
    found = dict(problems_of(document))
    # Same prefix and suffix as "regular": the numbers would collide.
    assert "would collide" in found["member_types[1].number"]
    assert "cannot follow" in found["member_types[1].review_chain[1].stage"]
    assert "branch administrator" in found["member_types[1].review_chain[1].branch_routed"]


def test_ranks_need_fees_and_fees_need_ranks():
    document = copy.deepcopy(MINIMAL)
    mtype = document["member_types"][0]
    mtype["ranks"] = [{"code": "council", "name": "理事单位"},
                      {"code": "vice", "name": "副会长单位"}]
    mtype["fees"] = [{"rank": "council", "amount_fen": 1000000, "effective_from": "2020-01-01"},
                     {"rank": "nope", "amount_fen": 1, "effective_from": "2020-01-01"}]
    found = dict(problems_of(document))
    assert "must name one of this type's ranks" in found["member_types[0].fees[1].rank"]
    assert "no fee for the rank vice" in found["member_types[0].fees"]


def test_unknown_keys_and_secrets_are_refused():
    document = copy.deepcopy(MINIMAL)
    document["member_types"][0]["colour"] = "red"
    document["payment_accounts"] = [{"kind": "wechat", "display_name": "微信支付",
                                     "merchant_id": "1900000001", "api_v3_key": "x" * 32}]
    found = dict(problems_of(document))
    assert found["member_types[0].colour"] == "is not a known key"
    assert "never kept in profile files" in found["payment_accounts[0].api_v3_key"]


def test_message_placeholders_are_checked():
    document = copy.deepcopy(MINIMAL)
    document["message_templates"] = [
        {"event": "member_activated", "channel": "email", "body": "欢迎 {name}，{nickname}"}]
    found = dict(problems_of(document))
    assert "is required for email" in found["message_templates[0].subject"]
    assert "nickname" in found["message_templates[0].body"]


def test_bad_yaml_names_the_line():
    with pytest.raises(ProfileError) as info:
        load_profile_text("format: huiji-profile/1\nassociation: [\n", filename="bad.yaml")
    assert str(info.value.message).startswith("bad.yaml: line 3")


def test_error_message_lists_file_path_and_rule():
    document = copy.deepcopy(MINIMAL)
    document["member_types"][0]["fees"][0]["amount_fen"] = "fifty"
    with pytest.raises(ProfileError) as info:
        load_profile_text(yaml.safe_dump(document, allow_unicode=True), filename="x.yaml")
    assert "x.yaml: member_types[0].fees[0].amount_fen: " in str(info.value.message)


@pytest.mark.parametrize(("spec", "value", "expected"), [
    ({"type": "cn_id"}, "11010519491231002x", "11010519491231002X"),
    ({"type": "uscc"}, "91110108MA01C7XK3N", None),
    ({"type": "postcode"}, "100000", "100000"),
    ({"type": "phone"}, "010-68799026", "010-68799026"),
    ({"type": "phone", "mobile_only": True}, "+86 139 1234 5678", "13912345678"),
    ({"type": "region"}, {"province": "320000", "city": "320100"},
     {"province": "320000", "city": "320100"}),
    ({"type": "multichoice", "choices": [{"value": "a", "label": "A"},
                                         {"value": "b", "label": "B"}], "max_choices": 2},
     ["a", "b"], ["a", "b"]),
    ({"type": "date"}, "2026-06-30", "2026-06-30"),
])
def test_field_values_are_checked_and_normalised(spec, value, expected):
    if expected is None:  # computed: a valid USCC from stdnum's own check digit
        from stdnum.cn import uscc

        body = "91110108MA01C7XK3"
        value = body + uscc.calc_check_digit(body)
        expected = value
    assert clean_value(spec, value) == expected


@pytest.mark.parametrize(("spec", "value", "message"), [
    ({"type": "cn_id"}, "110105194912310021", "resident ID"),
    ({"type": "uscc"}, "91110000600001760W", "social credit code"),
    ({"type": "postcode"}, "10000", "6 digits"),
    ({"type": "phone", "mobile_only": True}, "010-68799026", "mobile"),
    ({"type": "region"}, {"province": "320000", "city": "110100"}, "city of that province"),
    ({"type": "multichoice", "choices": ["a", "b", "c", "d"], "max_choices": 3},
     ["a", "b", "c", "d"], "at most 3"),
    ({"type": "choice", "choices": ["男", "女"]}, "其他", "from the list"),
    ({"type": "text", "max_length": 5}, "太长的一段文字", "At most 5"),
    # NaN parsed as a Decimal, then failed the comparison with min (a server error).
    ({"type": "number", "min": 0}, "NaN", "Enter a number"),
    ({"type": "number"}, "Infinity", "Enter a number"),
])
def test_bad_field_values_get_a_clear_message(spec, value, message):
    with pytest.raises(FieldValueError) as info:
        clean_value(spec, value)
    assert message.lower() in str(info.value).lower()


# --- issue 9 §4: formats, exclusive choices, future dates, receipts, referral required ----

def _with(**changes) -> dict:
    document = copy.deepcopy(MINIMAL)
    mtype = document["member_types"][0]
    fields = mtype["application_form"]["steps"][0]["fields"]
    for key, value in changes.items():
        if key == "fields":
            fields.extend(value)
        elif key == "uploads":
            mtype["uploads"] = value
        else:
            document[key] = value
    return document


def test_upload_formats_are_named_and_of_the_upload_kinds():
    out = validate_profile(_with(uploads=[
        {"key": "licence", "label": "营业执照", "kinds": ["image", "pdf"],
         "formats": ["JPG", "png", "pdf"]}]), filename="test.yaml")
    assert out["member_types"][0]["uploads"][0]["formats"] == ["jpg", "png", "pdf"]
    assert problems_of(_with(uploads=[
        {"key": "licence", "label": "营业执照", "kinds": ["image"],
         "formats": ["pdf", "bmp"]}])) == [
        ("member_types[0].uploads[0].formats[0]",
         "is a pdf format, not of the kinds allowed here"),
        ("member_types[0].uploads[0].formats[1]",
         "must be one of: jpg, png, gif, webp, pdf, doc, docx, xlsx, pptx, zip, rar, 7z")]


def test_exclusive_choices_belong_to_multiple_choice_questions():
    out = validate_profile(_with(fields=[
        {"key": "quals", "label": "特级资质", "type": "multichoice",
         "choices": ["建筑工程", {"value": "无", "exclusive": True}]}]), filename="test.yaml")
    quals = out["member_types"][0]["application_form"]["steps"][0]["fields"][-1]
    assert quals["choices"] == [{"value": "建筑工程", "label": "建筑工程"},
                                {"value": "无", "label": "无", "exclusive": True}]
    assert problems_of(_with(fields=[
        {"key": "one", "label": "单选", "type": "choice",
         "choices": [{"value": "无", "exclusive": True}]},
        {"key": "many", "label": "多选", "type": "multichoice",
         "choices": [{"value": "无", "exclusive": "yes"}]}])) == [
        ("member_types[0].application_form.steps[0].fields[3].choices[0].exclusive",
         "is only used with multichoice"),
        ("member_types[0].application_form.steps[0].fields[4].choices[0].exclusive",
         "must be true or false")]


def test_an_exclusive_choice_cannot_be_answered_with_another():
    spec = {"type": "multichoice", "choices": ["建筑工程", "公路工程",
                                               {"value": "无", "exclusive": True}]}
    assert clean_value(spec, ["无"]) == ["无"]
    assert clean_value(spec, ["建筑工程", "公路工程"]) == ["建筑工程", "公路工程"]
    with pytest.raises(FieldValueError) as info:
        clean_value(spec, ["建筑工程", "无"])
    assert str(info.value) == "“无” cannot be chosen together with other options."


def test_a_future_date_is_after_today():
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    spec = {"type": "date", "future": True}
    assert clean_value(spec, (today + dt.timedelta(days=1)).isoformat())
    for day in (today, today - dt.timedelta(days=1)):
        with pytest.raises(FieldValueError) as info:
            clean_value(spec, day.isoformat())
        assert str(info.value) == "The date must be later than today."
    assert problems_of(_with(fields=[{"key": "grad", "label": "毕业时间", "type": "date",
                                      "future": "soon"}])) == [
        ("member_types[0].application_form.steps[0].fields[3].future",
         "must be true or false")]


def test_receipt_markers_name_one_text_or_credit_code_field_each():
    out = validate_profile(_with(fields=[
        {"key": "unit", "label": "单位名称", "type": "text", "receipt": "title"},
        {"key": "code", "label": "信用代码", "type": "uscc", "receipt": "tax_id"}]),
        filename="test.yaml")
    fields = out["member_types"][0]["application_form"]["steps"][0]["fields"]
    assert [f.get("receipt") for f in fields[-2:]] == ["title", "tax_id"]
    assert problems_of(_with(fields=[
        {"key": "unit", "label": "单位名称", "type": "text", "receipt": "title"},
        {"key": "unit2", "label": "单位简称", "type": "text", "receipt": "title"},
        {"key": "code", "label": "信用代码", "type": "uscc", "receipt": "title"}])) == [
        ("member_types[0].application_form.steps[0].fields[5].receipt",
         "must be one of: tax_id"),
        ("member_types[0]", "marks more than one field as the receipt's title")]


def test_referral_required_needs_a_channel():
    assert validate_profile(_with(referral_required=True),
                            filename="test.yaml")["referral_required"] is True
    assert validate_profile(copy.deepcopy(MINIMAL),
                            filename="test.yaml")["referral_required"] is False
    assert problems_of(_with(referral_required=True, referral_channels=[])) == [
        ("referral_required", "needs at least one referral channel to choose from")]


def test_join_progress_stages_cover_each_phase_once():
    doc = copy.deepcopy(MINIMAL)
    doc["join_progress"] = [{"label": "填报信息", "covers": ["form", "review"]},
                            {"label": "缴纳会费", "covers": ["payment", "review"]},
                            {"label": "入会", "covers": ["finish"]}]
    with pytest.raises(ProfileError) as raised:
        validate_profile(doc, filename="p.yaml")
    text = str(raised.value.problems)
    assert "join_progress[1].covers[1]" in text and "already covered" in text
    assert "join_progress[2].covers[0]" in text
    doc["join_progress"] = [{"label": "填报信息", "covers": ["form"]}]
    with pytest.raises(ProfileError) as raised:
        validate_profile(doc, filename="p.yaml")
    assert "no stage covers review" in str(raised.value.problems)
    assert validate_profile(MINIMAL, filename="p.yaml")["join_progress"] == []
