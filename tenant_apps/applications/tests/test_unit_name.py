"""Staff lists name a unit by the field its receipts are made out to."""

from tenant_apps.applications.engine import unit_name_in


def _unit(fields: list[dict]) -> dict:
    return {"kind": "unit", "application_form": {"steps": [{"title": "单位信息",
                                                              "fields": fields}]}}


def test_the_receipt_title_field_names_the_unit_wherever_it_stands():
    doc = _unit([{"key": "handler", "type": "text", "label": "经办人"},
                 {"key": "full_name", "type": "text", "label": "单位全称", "receipt": "title"}])
    answers = {"handler": "王经办", "full_name": "南京测试燃气有限公司"}
    assert unit_name_in(doc, answers) == "南京测试燃气有限公司"


def test_without_a_receipt_title_the_first_text_answer_names_it():
    doc = _unit([{"key": "unit", "type": "text", "label": "单位名称"},
                 {"key": "handler", "type": "text", "label": "经办人"}])
    assert unit_name_in(doc, {"unit": "测试协会", "handler": "王经办"}) == "测试协会"
    assert unit_name_in({**doc, "kind": "individual"}, {"unit": "测试协会"}) == ""
