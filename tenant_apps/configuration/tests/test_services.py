"""Import, export, revisions and fee history, on real schemas."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.configuration.crypto import decrypt
from tenant_apps.configuration.models import (
    ConfigurationRevision,
    Fee,
    MemberType,
    Notice,
    PaymentAccount,
)
from tenant_apps.configuration.profile import ProfileError, load_profile_text
from tenant_apps.configuration.selectors import fee_preview, profile_export
from tenant_apps.configuration.services import (
    fee_add,
    notice_publish,
    payment_secret_set,
    profile_apply,
    profile_import_text,
)
from tenants.services import association_create


def _without_identity(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "association"}


@pytest.mark.django_db
def test_export_imported_into_a_new_association_reproduces_it_exactly(alpha):
    with schema_context("alpha"):
        exported = profile_export()
        text = yaml.safe_dump(exported, allow_unicode=True, sort_keys=False)
    assert exported["member_types"], "alpha carries the CMES profile"
    association_create(acting_user=None, name="Gamma", slug="gamma", admin_name="Admin",
                       admin_email="a@gamma.test", admin_password="Gamma-passw0rd-2026")
    with schema_context("gamma"):
        profile_import_text(acting_user=None, text=text, filename="alpha.yaml")
        again = profile_export()
    assert _without_identity(again) == _without_identity(exported)


@pytest.mark.django_db
def test_bad_profile_is_refused_with_its_path_and_nothing_changes(alpha):
    with schema_context("alpha"):
        document = profile_export()
        document["member_types"][1]["fees"][0]["amount_fen"] = -100
        document["member_types"][0]["name"] = "改了名字"
        revisions = ConfigurationRevision.objects.count()
        with pytest.raises(ProfileError) as info:
            profile_import_text(acting_user=None, filename="broken.yaml",
                                text=yaml.safe_dump(document, allow_unicode=True))
        assert "broken.yaml: member_types[1].fees[0].amount_fen" in str(info.value.message)
        assert ConfigurationRevision.objects.count() == revisions
        assert MemberType.objects.get(code="student").name == "学生会员"


@pytest.mark.django_db
def test_import_never_rewrites_fee_history_or_published_notices(alpha):
    with schema_context("alpha"):
        document = profile_export()
        document["member_types"][1]["fees"][0]["amount_fen"] = 9900  # same date, new amount
        document["notices"][0]["body"] += " 改写"
        with pytest.raises(ProfileError) as info:
            profile_apply(acting_user=None, filename="rewrite.yaml",
                          document=load_profile_text(yaml.safe_dump(document), filename="x"))
        paths = [p for p, _ in info.value.problems]
        assert "member_types[1].fees[0].amount_fen" in paths
        assert "notices[0]" in paths
        assert Fee.objects.filter(member_type__code="regular").get().amount_fen == 5000


@pytest.mark.django_db
def test_fee_change_takes_effect_from_its_date(alpha):
    with schema_context("alpha"):
        regular = MemberType.objects.get(code="regular")
        before = ConfigurationRevision.objects.count()
        fee_add(acting_user=alpha.user("hq_admin"), member_type=regular, rank=None,
                amount_fen=8000, effective_from=dt.date(2027, 1, 1))
        assert [line.amount_fen for line in fee_preview(regular, on=dt.date(2026, 12, 31))] \
            == [5000, 10000, 15000, 20000, 25000]
        assert [line.amount_fen for line in fee_preview(regular, on=dt.date(2027, 1, 1))] \
            == [8000, 16000, 24000, 32000, 40000]
        # history kept: both rows, and a revision and an audit row for the change
        assert sorted(regular.fees.values_list("amount_fen", flat=True)) == [5000, 8000]
        assert ConfigurationRevision.objects.count() == before + 1
        entry = AuditEntry.objects.get(action="fee.added")
        assert entry.actor_label == "alpha hq_admin"
        assert entry.data["after"]["amount_fen"] == 8000


@pytest.mark.django_db
def test_revisions_keep_what_was_in_force(alpha):
    with schema_context("alpha"):
        first = ConfigurationRevision.objects.order_by("number").last()
        notice_publish(acting_user=None, kind="joining_notice", title="入会须知",
                       body="新版本的入会须知")
        latest = ConfigurationRevision.objects.order_by("number").last()
        assert latest.number == first.number + 1
        versions = lambda doc: sorted(n["version"] for n in doc["notices"]  # noqa: E731
                                      if n["kind"] == "joining_notice")
        old = versions(first.document)
        assert versions(latest.document) == [*old, max(old or [0]) + 1]
        assert Notice.objects.filter(kind="joining_notice").count() >= 1


@pytest.mark.django_db
def test_payment_secrets_are_encrypted_and_never_exported(alpha, beta):
    with schema_context("alpha"):
        account = PaymentAccount.objects.get(kind="wechat")
        payment_secret_set(acting_user=None, account=account, name="api_v3_key",
                           value="0123456789abcdef0123456789abcdef")
        stored = PaymentAccount.objects.get(kind="wechat").secrets["api_v3_key"]
        assert "0123456789abcdef" not in stored
        assert decrypt(stored) == "0123456789abcdef0123456789abcdef"
        assert "api_v3_key" not in str(profile_export())
        assert "0123456789abcdef" not in str(AuditEntry.objects.values_list("data"))
        # The configuration history names the key as staff know it, not by its internal name.
        latest = ConfigurationRevision.objects.order_by("number").last()
        assert latest.summary == f"已更新 {account.display_name} 的密钥 APIv3 密钥"
    with schema_context("beta"), pytest.raises(ValueError):
        decrypt(stored)  # another association's key cannot read it
