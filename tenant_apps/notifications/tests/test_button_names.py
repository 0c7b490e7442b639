"""Every button or page a message or payment hint tells a person to click is one the product
shows (issue 9: 我已打款，上传凭证, 申请查看缴费状态, 申请发票, 我要缴费 did not exist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

PROFILES = sorted((Path(__file__).resolve().parents[3] / "tenants" / "profiles").glob("*.yaml"))

# Written out by hand from the zh-hans pages: the member centre's, order page's and account
# pages' buttons, links and form fields a text may name.
REAL_LABELS = {
    "缴纳会费", "我要续费", "补缴欠费", "申请入会", "修改并重新提交", "提交凭证", "申请开票",
    "申请重开", "会员中心", "我的订单", "缴费记录", "我的票据", "消息中心", "账户设置", "等级变更",
    "设置密码", "汇款人", "备注", "我的证书",
}
# Quoted words that name no button: a search term and an e-mail subject the member looks for.
NOT_BUTTONS = {"czpj", "【电子票据】您收到一张新的电子票据"}

QUOTED = re.compile(r"“([^”]+)”|【([^】]+)】按钮")


def _texts(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for t in doc.get("message_templates", []):
        yield f"{t['event']}/{t['channel']}", f"{t.get('subject', '')}\n{t['body']}"
    for n in doc.get("notices", []):
        if n["kind"] in ("bank_transfer", "invoice", "fee_standard"):
            yield n["kind"], n["body"]


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_quoted_buttons_are_real(path):
    unknown = []
    for where, text in _texts(path):
        for match in QUOTED.finditer(text):
            name = match.group(1) or match.group(2)
            if re.fullmatch(r"\{\w+\}", name):
                continue  # a quoted placeholder (“{post_title}”) names no button
            if name not in REAL_LABELS | NOT_BUTTONS:
                unknown.append((where, name))
    assert unknown == []


def test_the_walk_texts_name_the_real_buttons():
    docs = {p.stem: p.read_text(encoding="utf-8") for p in PROFILES}
    assert "在订单页上传凭证并点击“提交凭证”" in docs["jsgas"]
    assert "在订单页点击“申请开票”" in docs["caq"]
    assert "请登录会员系统点击“缴纳会费”，交纳{member_type}会费" in docs["cmes"]
    assert "可登录会员系统在会员中心查看电子会员证。" in docs["cacem"]
    shown = "\n".join(text for path in PROFILES for _where, text in _texts(path))
    for gone in ("我已打款", "申请查看缴费状态", "“申请发票”", "我要缴费", "“去缴费”",
                 "请上传个人照片，生成电子版会员证", "企业信息页面下载"):
        assert gone not in shown, gone
