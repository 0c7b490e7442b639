"""`GET /api/v1/members/`: the staff member list over the API, with the page's own URL
parameters (directory.params), scope (members.view) and masking."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.accounts.capabilities import capability_permission
from tenant_apps.directory.selectors import member_search


class MemberRowSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    is_unit = serializers.BooleanField()
    member_type = serializers.CharField()
    member_type_name = serializers.CharField()
    rank = serializers.CharField(allow_blank=True)
    rank_name = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    in_arrears = serializers.BooleanField()
    branch = serializers.CharField(allow_blank=True)
    branch_name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True, help_text="masked unless members.manage")
    email = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    school = serializers.CharField(allow_blank=True)
    joined_on = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    url = serializers.CharField()


class CountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    n = serializers.IntegerField()


class TypeCountSerializer(CountSerializer):
    ranks = CountSerializer(many=True)


class StatusCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField()


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    types = TypeCountSerializer(many=True)
    statuses = StatusCountSerializer(many=True)


class MemberSearchSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="matches; 1,000 when there are more (count_exact false)")
    count_exact = serializers.BooleanField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    query = serializers.CharField(allow_blank=True, help_text="the canonical query string")
    results = MemberRowSerializer(many=True)
    counts = CountsSerializer()


_MULTI = {"type", "rank", "status", "branch", "interest"}
_DATES = {"joined_from", "joined_to", "valid_from", "valid_to"}
PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.DATE if name in _DATES
                     else OpenApiTypes.INT if name == "page" else OpenApiTypes.STR,
                     many=name in _MULTI, required=False, description=description,
                     enum=enum)
    for name, description, enum in (
        ("q", "name, pinyin, initials, unit name, phone, e-mail, number, credit code", None),
        ("type", "member type code", None), ("rank", "rank code", None),
        ("status", "membership status",
         ["active", "overdue", "suspended", "lapsed", "withdrawn"]),
        ("branch", "branch code", None), ("interest", "interest branch code", None),
        ("region", "province or city", None), ("title", "title", None),
        ("school", "school or work unit (its beginning)", None),
        ("referral", "referral channel or branch code", None),
        ("joined_from", "joined on or after", None), ("joined_to", "joined on or before", None),
        ("valid_from", "valid until on or after", None),
        ("valid_to", "valid until on or before", None),
        ("arrears", "1: in arrears, 0: not", ["0", "1"]),
        ("sort", "order", ["number", "-number", "name", "joined", "-joined", "valid_until",
                           "-valid_until"]),
        ("page", "page, from 1", None))]


class MemberSearchApi(APIView):
    permission_classes = [capability_permission("members.view")]

    @extend_schema(parameters=PARAMETERS, responses=MemberSearchSerializer,
                   operation_id="staff_member_search")
    def get(self, request):
        result = member_search(request.user, request.query_params)
        counts = {k: v for k, v in result.counts.items() if k != "cells"}
        return Response(MemberSearchSerializer({
            "count": result.total, "count_exact": result.total_exact, "page": result.page,
            "pages": result.pages, "page_size": result.page_size, "query": result.query,
            "results": result.rows, "counts": counts}).data)
