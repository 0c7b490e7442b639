"""Staff configuration screens and the public join page, through real requests."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.configuration.models import (
    FormField,
    MemberType,
    PaymentAccount,
    ReviewStep,
    UploadRequirement,
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/manage/config/", "/manage/config/types/",
                                  "/manage/config/types/senior/", "/manage/config/branches/",
                                  "/manage/config/referrals/", "/manage/config/notices/",
                                  "/manage/config/templates/", "/manage/config/payments/",
                                  "/manage/config/accounts/", "/manage/config/profile/"])
def test_hq_admin_sees_every_screen_others_do_not(alpha, path):
    assert alpha.client("hq_admin").get(path).status_code == 200
    refused = alpha.client("finance").get(path)
    assert refused.status_code == 403
    assert "总会管理员" in refused.content.decode() or "HQ" in refused.content.decode()
    assert Client(HTTP_HOST=alpha.host).get(path).status_code == 302


@pytest.mark.django_db
def test_fee_change_and_preview_on_the_screen(alpha):
    client = alpha.client("hq_admin")
    response = client.post("/manage/config/types/senior/fees/new/",
                           {"amount": "120", "effective_from": "2027-01-01"})
    assert response.status_code == 302
    page = client.get("/manage/config/types/senior/?on=2027-01-01").content.decode()
    assert "¥1,200" in page  # 10 years at the new 120
    page = client.get("/manage/config/types/senior/?on=2026-06-01").content.decode()
    assert "¥1,000" in page  # 10 years at 100, before the change
    # the same date again is refused beside the field, nothing added
    again = client.post("/manage/config/types/senior/fees/new/",
                        {"amount": "130", "effective_from": "2027-01-01"})
    assert again.status_code == 400
    assert "later date" in again.content.decode() or "更晚" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-5", "NaN", "Infinity", "1e30", "100000001"])
def test_bad_amount_is_refused_beside_the_field(alpha, amount):
    # NaN and amounts beyond the largest fee were server errors.
    response = alpha.client("hq_admin").post("/manage/config/types/senior/fees/new/",
                                             {"amount": amount, "effective_from": "2027-01-01"})
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()


@pytest.mark.django_db
def test_edit_member_type_is_audited_with_before_and_after(alpha):
    client = alpha.client("hq_admin")
    page = client.get("/manage/config/types/regular/edit/")
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": "普通会员（新）", "year_options": "1,2,3", "code": "regular"})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post("/manage/config/types/regular/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("alpha"):
        regular = MemberType.objects.get(code="regular")
        assert (regular.name, regular.year_options) == ("普通会员（新）", [1, 2, 3])
        entry = AuditEntry.objects.get(action="member_type.saved")
        assert entry.data["before"]["name"] == "普通会员"
        assert entry.data["after"]["name"] == "普通会员（新）"


@pytest.mark.django_db
def test_cross_rule_breach_is_refused_and_rolled_back(alpha):
    client = alpha.client("hq_admin")
    added = client.post("/manage/config/types/senior/review/new/", {
        "name": "秘书处审批", "role": "secretariat", "stage": "after_payment"})
    assert added.status_code == 302
    with schema_context("alpha"):
        first, last = ReviewStep.objects.filter(member_type__code="senior")
    # [review before payment, confirmation after] -> [before, before]: still in order
    ok = client.post(f"/manage/config/types/senior/review/{last.pk}/",
                     {"name": last.name, "role": last.role, "stage": "before_payment"})
    assert ok.status_code == 302
    # -> [after, before]: a step before payment would follow one after it
    bad = client.post(f"/manage/config/types/senior/review/{first.pk}/",
                      {"name": first.name, "role": first.role, "stage": "after_payment"})
    assert bad.status_code == 400
    # said in the screens' words, never as a path in the configuration document
    page = bad.content.decode()
    assert "审核流程：" in page and "member_types[" not in page
    with schema_context("alpha"):
        assert ReviewStep.objects.get(pk=first.pk).stage == "before_payment"


@pytest.mark.django_db
def test_add_reorder_and_require_form_fields(alpha):
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        step = MemberType.objects.get(code="regular").form_steps.filter(
            purpose="application").first()
    response = client.post("/manage/config/types/regular/fields/new/", {
        "step": step.pk, "key": "wechat_id", "label": "微信号", "type": "text",
        "required": "on", "max_length": "40"})
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context("alpha"):
        field = FormField.objects.get(step=step, key="wechat_id")
        assert field.required and field.options == {"max_length": 40}
        assert field.position == step.fields.count() - 1
    client.post(f"/manage/config/move/field/{field.pk}/", {"direction": "up"})
    with schema_context("alpha"):
        keys = list(step.fields.order_by("position").values_list("key", flat=True))
        assert keys[-2] == "wechat_id"
    # a choice field without choices is refused beside the field
    bad = client.post("/manage/config/types/regular/fields/new/", {
        "step": step.pk, "key": "level", "label": "等级", "type": "choice"})
    assert bad.status_code == 400
    # a duplicate key breaks a whole-configuration rule and is refused
    dup = client.post("/manage/config/types/regular/fields/new/", {
        "step": step.pk, "key": "wechat_id", "label": "again", "type": "text"})
    assert dup.status_code == 400
    assert "wechat_id" in dup.content.decode()


@pytest.mark.django_db
def test_upload_with_a_blank_template_is_downloadable_on_the_join_page(alpha):
    client = alpha.client("hq_admin")
    template = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 blank form", "application/pdf")
    response = client.post("/manage/config/types/regular/uploads/new/", {
        "key": "stamped_form", "label": "盖章申请表", "required": "on",
        "kinds": ["pdf", "image"], "max_size_mb": "5", "max_count": "1",
        "template": "blank", "new_template": template})
    assert response.status_code == 302, response.content.decode()[:3000]
    public = Client(HTTP_HOST=alpha.host)
    page = public.get("/join/").content.decode()
    assert "盖章申请表" in page
    download = public.get("/join/templates/regular/stamped_form/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 blank form"
    with schema_context("alpha"):
        assert UploadRequirement.objects.get(key="stamped_form").kinds == ["pdf", "image"]


@pytest.mark.django_db
def test_payment_secret_is_write_only(alpha):
    client = alpha.client("hq_admin")
    response = client.post("/manage/config/payments/wechat/", {
        "display_name": "微信支付", "enabled": "on", "setting_merchant_id": "1900000109",
        "setting_app_id": "wxd678efh567hg6787", "secret_api_v3_key": "A" * 32})
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get("/manage/config/payments/").content.decode()
    assert "1900000109" in page
    assert "A" * 32 not in page
    # each setting named as staff read it, never by its key
    assert "<dt>商户号（mchid）</dt><dd>1900000109</dd>" in page
    assert "<dt>APIv3 密钥</dt>" in page
    assert "merchant_id" not in page and "api_v3_key" not in page
    edit = client.get("/manage/config/payments/wechat/").content.decode()
    assert "A" * 32 not in edit
    with schema_context("alpha"):
        assert PaymentAccount.objects.get(kind="wechat").enabled


@pytest.mark.django_db
def test_profile_export_and_import_screens(alpha):
    client = alpha.client("hq_admin")
    download = client.get("/manage/config/profile/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="alpha-profile-')
    document = yaml.safe_load(download.content)
    assert [t["code"] for t in document["member_types"]] == ["student", "regular", "senior"]
    document["member_types"][2]["years"] = [1, 2, 0]
    bad = SimpleUploadedFile("bad.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post("/manage/config/profile/", {"file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "member_types[2].years[2]" in page
    good = SimpleUploadedFile("good.yaml", download.content)
    assert client.post("/manage/config/profile/", {"file": good}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "expected"), [
    ("cmes", ["学生会员", "普通会员", "高级会员", "¥50", "¥100"]),
    ("cacem", ["理事单位", "¥3,000", "¥10,000", "¥20,000", "¥50,000"]),
    ("caq", ["¥5,000", "¥10,000", "¥480"]),
    ("jsgas", ["¥2,000", "营业执照"]),
])
def test_join_page_shows_the_manual_figures(db, slug, expected, django_assert_max_num_queries):
    from tenants.models import Association
    from tenants.services import association_create

    if not Association.objects.filter(slug=slug).exists():
        association_create(acting_user=None, name=slug, slug=slug, profile=slug,
                           admin_name="Admin", admin_email=f"a@{slug}.test",
                           admin_password="Test-passw0rd-2026")
    client = Client(HTTP_HOST=f"{slug}.localhost")
    client.get("/join/")  # warm the host cache
    with django_assert_max_num_queries(9):
        response = client.get("/join/")
    page = response.content.decode()
    for text in expected:
        assert text in page, text
