"""The four demo profiles against the figures of their manuals (../shared/seeds)."""

from __future__ import annotations

import pytest

from tenants.profiles import available_profiles, load_profile


def types(key: str) -> dict[str, dict]:
    return {t["code"]: t for t in load_profile(key)["member_types"]}


def fees(mtype: dict) -> dict:
    return {f["rank"]: f["amount_fen"] for f in mtype["fees"]}


def fields(mtype: dict, form: str = "application_form") -> dict[str, dict]:
    return {f["key"]: f for step in mtype[form]["steps"] for f in step["fields"]}


def all_fields(mtype: dict) -> dict[str, dict]:
    return {**fields(mtype, "registration_form"), **fields(mtype)}


def test_the_four_demo_associations_have_profiles():
    assert {"cmes", "cacem", "caq", "jsgas"} <= set(available_profiles())


def test_cmes():
    cmes = types("cmes")
    assert set(cmes) == {"student", "regular", "senior"}
    student, regular, senior = cmes["student"], cmes["regular"], cmes["senior"]
    # 学生会员 免费, 普通会员 50元/人/年, 高级会员 100元/人/年
    assert fees(student) == {None: 0}
    assert fees(regular) == {None: 5000}
    assert fees(senior) == {None: 10000}
    # students: no review, member at once, valid until graduation
    assert student["review_required"] is False and student["review_chain"] == []
    assert student["validity"] == {"rule": "until_field", "field": "graduation_date"}
    assert all_fields(student)["graduation_date"]["type"] == "date"
    # 1-5 years, seniors also 10; calendar-year validity; suspended at 6, lapse at 12 months
    assert regular["years"] == [1, 2, 3, 4, 5]
    assert senior["years"] == [1, 2, 3, 4, 5, 10]
    for mtype in (regular, senior):
        assert mtype["validity"]["rule"] == "calendar_year"
        assert mtype["overdue"] == {"suspend_after_months": 6, "lapse_after_months": 12,
                                    "lapse_at_end": False, "after_lapse": "reapply"}
        assert mtype["renewal"] == {"opens_days_before": None,
                                    "reminders_days_before": [30, 7],
                                    "remind_when_overdue": True,
                                    "remind_days_before_suspension": 30,
                                    "remind_days_before_lapse": 30}
    assert student["overdue"]["lapse_at_end"] is True  # ends at graduation
    # review before payment for seniors, after payment for regular members
    assert senior["review_chain"][0]["stage"] == "before_payment"
    assert {s["stage"] for s in regular["review_chain"]} == {"after_payment"}
    assert "高级职称" in senior["eligibility"]
    # numbers like E010107413S (senior) and E010107414T (student)
    assert (senior["number"]["prefix"], senior["number"]["width"], senior["number"]["suffix"]) \
        == ("E", 9, "S")
    assert (student["number"]["prefix"], student["number"]["suffix"]) == ("E", "T")
    # certificates and invoices as in the manual's table
    assert (senior["certificate"]["electronic"], senior["certificate"]["paper"],
            senior["certificate"]["card"]) == (True, True, False)
    assert senior["certificate"]["designs"]["paper"]["page"] == "a4_landscape"
    assert regular["certificate"]["paper"] is False
    assert student["invoice"] is False and regular["invoice"] and senior["invoice"]
    # interest branches up to 3, the ID number checked by checksum
    interests = all_fields(senior)["interest_branches"]
    assert interests["type"] == "multichoice" and interests["max_choices"] == 3
    assert interests["choices_from"] == "branches"
    assert all_fields(senior)["id_number"]["type"] == "cn_id"
    assert all_fields(senior)["postcode"]["type"] == "postcode"
    # the registration fields each type shows in the manual
    for key in ("name", "gender", "mobile", "email"):
        assert key in fields(student, "registration_form")
    for key in ("school", "major", "grade", "graduation_date"):
        assert key in all_fields(student), key


def test_cmes_referral_channels():
    profile = load_profile("cmes")
    channels = {c["kind"]: c for c in profile["referral_channels"]}
    assert [c["label"] for c in profile["referral_channels"]] == [
        "分会推荐", "省学会推荐", "个人会员推荐", "单位会员推荐", "其他"]
    assert channels["individual_member"]["referrer_must_be_valid"]
    assert channels["individual_member"]["referrer_level_at_least_applicant"]
    assert channels["unit_member"]["referrer_must_be_valid"]
    hq = profile["branches"][0]
    assert channels["other"]["default_branch"] == hq["code"]
    assert hq["name"] == "中国机械工程学会工作总部"
    assert "机器人分会" in [b["name"] for b in hq["children"]]


def test_cacem():
    unit = types("cacem")["unit"]
    assert unit["kind"] == "unit"
    # 普通会员 3000, 理事单位 10000, 常务理事单位 20000, 副会长单位 50000 元/年
    assert sorted(fees(unit).values()) == [300000, 1000000, 2000000, 5000000]
    assert [r["name"] for r in unit["ranks"]] == ["普通会员", "理事单位", "常务理事单位",
                                                 "副会长单位"]
    form = all_fields(unit)
    assert form["credit_code"]["type"] == "uscc"
    liaisons = form["liaisons"]
    assert (liaisons["type"], liaisons["min_items"], liaisons["max_items"]) == ("group", 1, 2)
    assert liaisons["item_roles"] == ["第一联络员", "第二联络员"]
    # 姓名 部门 职务 手机 邮箱, as the manual's liaison table
    assert [f["label"] for f in liaisons["fields"]][:5] == ["姓名", "部门", "职务", "手机", "邮箱"]
    assert any("资质" in f["label"] for f in form.values())
    # three stamped uploads, templates to download
    uploads = unit["uploads"]
    assert len(uploads) == 3 and all(u["required"] for u in uploads)
    assert sum(1 for u in uploads if u["template"] == "blank" and u["template_data"]) >= 2
    # the manual: pay by transfer first, then the association reviews; finance confirming the
    # money is the payment step itself (billing), not a review step
    assert [(s["role"], s["stage"]) for s in unit["review_chain"]] == [
        ("hq_reviewer", "after_payment")]
    profile = load_profile("cacem")
    assert any(n["kind"] == "charter" for n in profile["notices"])
    assert "phone_password" in profile["accounts"]["login"]


def test_caq():
    caq = types("caq")
    unit, individual = caq["unit"], caq["individual"]
    # units 5000 / 10000 (council and above), individuals 480 per year
    assert sorted(fees(unit).values()) == [500000, 1000000]
    assert fees(individual) == {None: 48000}
    # generated application form to print, stamp and upload: one image up to 10 MB
    form_upload = next(u for u in unit["uploads"] if u["template"] == "generated")
    assert (form_upload["kinds"], form_upload["max_size_mb"], form_upload["max_count"]) \
        == (["image"], 10, 1)
    # pay (the money confirmed by finance), then secretariat approval
    after = [s["role"] for s in unit["review_chain"] if s["stage"] == "after_payment"]
    assert after == ["secretariat"]
    profile = load_profile("caq")
    assert "name_password" in profile["accounts"]["login"]
    assert profile["accounts"]["human_check"] == "always"  # the slider


def test_jsgas():
    unit = types("jsgas")["unit"]
    assert fees(unit) == {None: 200000}  # 2000元/年
    form = all_fields(unit)
    logo = next(f for f in form.values() if f["type"] == "image")
    assert logo["max_size_mb"] == 2
    assert any(f["type"] == "richtext" for f in form.values())
    uploads = {u["label"]: u for u in unit["uploads"]}
    licence = next(u for label, u in uploads.items() if "营业执照" in label)
    assert licence["kinds"] == ["image"] and licence["required"]
    optional = [u for u in unit["uploads"] if not u["required"]]
    assert len(optional) == 2
    registration = next(u for label, u in uploads.items() if "登记表" in label)
    assert registration["max_size_mb"] == 5
    # 文件格式图片、文档、压缩包, and the PDF its own template is
    assert set(registration["kinds"]) == {"image", "pdf", "document", "archive"}
    assert registration["template"] == "blank" and registration["template_data"]
    # review, then transfer with voucher, then confirmation (of the money, by finance)
    chain = unit["review_chain"]
    assert [(s["role"], s["stage"]) for s in chain] == [("hq_admin", "before_payment")]
    assert unit["validity"]["rule"] == "rolling"
    assert unit["overdue"]["lapse_after_months"] == 24
    assert unit["overdue"]["after_lapse"] == "reapply"  # 视为自动退会
    assert unit["renewal"]["opens_days_before"] == 60
    profile = load_profile("jsgas")
    assert "phone_sms" in profile["accounts"]["login"]
    assert any(n["kind"] == "joining_notice" and "2000" in n["body"]
               for n in profile["notices"])


@pytest.mark.parametrize("key", ["cmes", "cacem", "caq", "jsgas"])
def test_every_event_has_messages(key):
    templates = load_profile(key)["message_templates"]
    events = {t["event"] for t in templates}
    assert {"application_submitted", "application_rejected", "member_activated"} <= events
