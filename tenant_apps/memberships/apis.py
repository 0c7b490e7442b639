"""Membership API: a membership's history and paid periods (the member, or staff who read
accounts), and withdrawal (退会) by the member or by staff with a reason."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.errors import NotFound
from tenant_apps.accounts.capabilities import can
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.services import membership_withdraw
from tenant_apps.records.selectors import record_history


def _membership(request, number: str) -> Membership:
    found = Membership.objects.select_related("member_type", "user").filter(
        number=number).first()
    # Someone else's membership does not exist for a member (404, never 403).
    if found is None or (found.user_id != request.user.pk
                         and not can(request.user, "accounts.view")
                         and not can(request.user, "members.withdraw")):
        raise NotFound
    return found


def _entry(e: dict) -> dict:
    """A history entry (records.selectors.record_history) as this API gives it, newest first:
    every entry its time, kind, label, detail, note and actor; a membership's move also its
    codes (from, to, reason) and the day it took effect (on)."""
    out = {"at": e["at"].isoformat(), "kind": e["kind"], "label": e["label"],
           "detail": e["detail"], "note": e["note"], "actor": e["actor"]}
    if e["kind"] == "membership":
        out.update({"from": e["from"], "to": e["to"], "reason": e["reason"],
                    "on": e["effective_on"].isoformat()})
    return out


class MembershipHistoryApi(APIView):
    class HistorySerializer(serializers.Serializer):
        number = serializers.CharField()
        status = serializers.CharField()
        valid_until = serializers.DateField(allow_null=True)
        history = serializers.ListField(child=serializers.DictField())
        periods = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=HistorySerializer, operation_id="membership_history")
    def get(self, request, number):
        membership = _membership(request, number)
        return Response({
            "number": membership.number, "status": membership.status,
            "valid_until": membership.valid_until,
            "history": [_entry(e) for e in reversed(record_history(membership=membership))],
            "periods": [{"starts_on": p.starts_on.isoformat(),
                         "ends_on": p.ends_on.isoformat() if p.ends_on else None,
                         "years": p.years, "kind": p.kind, "amount_fen": p.amount_fen}
                        for p in membership.periods.all()],
        })


class MembershipWithdrawApi(APIView):
    class WithdrawSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    @extend_schema(request=WithdrawSerializer, responses=MembershipHistoryApi.HistorySerializer,
                   operation_id="membership_withdraw")
    def post(self, request, number):
        membership = _membership(request, number)
        data = self.WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership_withdraw(membership=membership, actor=request.user,
                            reason=data.validated_data.get("reason", ""),
                            by_staff=membership.user_id != request.user.pk)
        return MembershipHistoryApi().get(request, number)
