"""Configuration API: the public join information, and the whole configuration for HQ
administrators (read as a profile document, replace by importing one, add a fee)."""

from __future__ import annotations

import yaml
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.errors import AppError, NotFound
from tenant_apps.accounts.capabilities import capability_permission
from tenant_apps.configuration.models import FEE_MAX_FEN, MemberType, UploadRequirement
from tenant_apps.configuration.profile import validate_profile
from tenant_apps.configuration.selectors import (
    current_notices,
    fee_in_force,
    fee_is_due,
    fee_preview,
    member_types_for_join,
    payment_methods,
    profile_export,
)
from tenant_apps.configuration.services import fee_add, profile_apply

IsHqAdmin = capability_permission(
    "configuration.manage",
    message=_("Only the association's HQ administrators can change its configuration."))


class JoinInfoApi(APIView):
    """What the join page shows: open member types with fees, years, materials and the review
    steps; the current notices."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    class JoinFeeSerializer(serializers.Serializer):
        rank = serializers.CharField(allow_null=True)
        rank_name = serializers.CharField(allow_null=True)
        amount_fen = serializers.IntegerField(allow_null=True)
        effective_from = serializers.DateField(allow_null=True)

    class JoinUploadSerializer(serializers.Serializer):
        key = serializers.CharField()
        label = serializers.CharField()
        required = serializers.BooleanField()
        kinds = serializers.ListField(child=serializers.CharField())
        formats = serializers.ListField(child=serializers.CharField())
        max_size_mb = serializers.IntegerField()
        max_count = serializers.IntegerField()
        template = serializers.CharField()
        template_url = serializers.CharField(allow_null=True)

    class JoinInfoSerializer(serializers.Serializer):
        member_types = serializers.ListField(child=serializers.DictField())
        notices = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=JoinInfoSerializer, operation_id="join_info")
    def get(self, request):
        today = timezone.localdate()
        types = []
        no_way_to_pay = not payment_methods().any
        for mtype in member_types_for_join():
            fees = list(mtype.fees.all())
            lines = []
            for rank in list(mtype.ranks.all()) or [None]:
                fee = fee_in_force(fees, rank_id=rank.pk if rank else None, on=today)
                lines.append({"rank": rank.code if rank else None,
                              "rank_name": rank.name if rank else None,
                              "amount_fen": fee.amount_fen if fee else None,
                              "effective_from": fee.effective_from if fee else None})
            types.append({
                "code": mtype.code, "name": mtype.name, "kind": mtype.kind,
                "eligibility": mtype.eligibility, "years": mtype.year_options,
                # false: a fee nobody can pay yet (no way to pay is set up)
                "payable": not (no_way_to_pay and fee_is_due(mtype, today)),
                "fees": self.JoinFeeSerializer(lines, many=True).data,
                "uploads": self.JoinUploadSerializer([{
                    "key": u.key, "label": u.label, "required": u.required, "kinds": u.kinds,
                    "formats": u.accepted_formats,
                    "max_size_mb": u.max_size_mb, "max_count": u.max_count,
                    "template": u.template,
                    "template_url": f"/join/templates/{mtype.code}/{u.key}/"
                    if u.template == UploadRequirement.Template.BLANK and u.template_file
                    else None} for u in mtype.uploads.all()], many=True).data,
                "review_steps": [{"name": s.name, "role": s.role, "stage": s.stage}
                                 for s in mtype.review_steps.all()],
            })
        notices = [{"kind": n.kind, "version": n.version, "title": n.title, "body": n.body}
                   for n in current_notices().values()]
        return Response({"member_types": types, "notices": notices})


class ProfileApi(APIView):
    """GET: the whole configuration as a profile document (JSON). PUT: replace it by
    importing a profile document (JSON body, or YAML text with Content-Type
    application/yaml); validated whole, applied all or nothing."""

    permission_classes = [IsHqAdmin]
    parser_classes = [JSONParser]

    @extend_schema(responses=dict, operation_id="config_profile_read")
    def get(self, request):
        return Response(profile_export())

    @extend_schema(request=dict, responses=dict, operation_id="config_profile_replace")
    def put(self, request):
        document = request.data
        if isinstance(document, dict) and isinstance(document.get("yaml"), str):
            try:
                document = yaml.safe_load(document["yaml"])
            except yaml.YAMLError as exc:
                raise AppError("profile_invalid", str(exc)) from exc
        validated = validate_profile(document, filename="request")
        revision = profile_apply(acting_user=request.user, document=validated,
                                 filename="request")
        return Response({"revision": revision.number, "profile": revision.document})


class FeeCreateApi(APIView):
    permission_classes = [IsHqAdmin]

    class FeeCreateInputSerializer(serializers.Serializer):
        rank = serializers.CharField(required=False, allow_null=True)
        amount_fen = serializers.IntegerField(min_value=0, max_value=FEE_MAX_FEN)
        effective_from = serializers.DateField()

    class FeePreviewLineSerializer(serializers.Serializer):
        years = serializers.IntegerField()
        amount_fen = serializers.IntegerField()

    @extend_schema(request=FeeCreateInputSerializer, responses=FeePreviewLineSerializer(many=True),
                   operation_id="config_fee_add")
    def post(self, request, code):
        mtype = MemberType.objects.filter(code=code).first()
        if mtype is None:
            raise NotFound
        data = self.FeeCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rank = None
        if data.validated_data.get("rank"):
            rank = mtype.ranks.filter(code=data.validated_data["rank"]).first()
            if rank is None:
                raise AppError("unknown_rank", _("This member type has no such rank."),
                               field="rank")
        if mtype.fees.filter(rank=rank,
                             effective_from=data.validated_data["effective_from"]).exists():
            raise AppError("fee_exists", _("A fee from this date already exists. Fee history "
                                           "is never rewritten: choose a later date."),
                           field="effective_from", status=409)
        fee = fee_add(acting_user=request.user, member_type=mtype, rank=rank,
                      amount_fen=data.validated_data["amount_fen"],
                      effective_from=data.validated_data["effective_from"])
        preview = fee_preview(mtype, rank=rank, on=fee.effective_from)
        return Response(self.FeePreviewLineSerializer(preview, many=True).data, status=201)
