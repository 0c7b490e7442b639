"""Personal data across associations: one association's consents, deletion requests and
sealed values are nothing in another's (docs/personal-data.md)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenant_apps.privacy.services import consent_record, deletion_request_submit


@pytest.mark.django_db
def test_consents_and_deletion_requests_stay_in_their_association(alpha, beta):
    with schema_context("alpha"):
        member = alpha.user("member")
        consent_record(user=member, purpose="privacy_policy", given=True, where="signup")
        deletion_request_submit(user=member, reason="阿尔法会员的删除理由")
    beta_queue = beta.client("hq_admin").get("/manage/privacy/").content.decode()
    assert "阿尔法会员的删除理由" not in beta_queue and "alpha member" not in beta_queue
    with schema_context("beta"):
        from tenant_apps.privacy.models import ConsentRecord, DeletionRequest

        assert not ConsentRecord.objects.exists() or not ConsentRecord.objects.filter(
            user__username=member.username).exists()
        assert not DeletionRequest.objects.filter(reason="阿尔法会员的删除理由").exists()
    mine = beta.client("member").get("/member/data/").content.decode()
    assert "阿尔法会员的删除理由" not in mine
