"""Account APIs: who am I, and (for HQ administrators) one account of the association."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.errors import NotFound
from tenant_apps.accounts.selectors import user_for_staff


class UserOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    @extend_schema(responses=UserOutputSerializer, operation_id="me")
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)


class UserDetailApi(APIView):
    @extend_schema(responses=UserOutputSerializer, operation_id="user_detail")
    def get(self, request, public_id):
        user = user_for_staff(viewer=request.user, public_id=public_id)
        if user is None:
            raise NotFound
        return Response(UserOutputSerializer(user).data)
