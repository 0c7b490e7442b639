"""账户设置 through the API: the same services as the pages (accounts/self_service.py), for the
signed-in account only; every post needs the CSRF token (huiji.apiauth). A change ends the
account's other sessions and keeps the caller's."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.apiauth import CsrfSessionAuthentication
from huiji.clientip import client_ip
from tenant_apps.accounts.codes import account_code_send
from tenant_apps.accounts.passwords import password_check
from tenant_apps.accounts.self_service import (
    account_password_change,
    account_password_set,
    account_phone_change,
)


class AccountSettingsOutputSerializer(serializers.Serializer):
    phone = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    has_password = serializers.SerializerMethodField()

    def get_has_password(self, user) -> bool:
        return user.has_usable_password()


class _AccountApi(APIView):
    authentication_classes = [CsrfSessionAuthentication]

    def _changed(self, request, user):
        update_session_auth_hash(request, user)
        return Response(AccountSettingsOutputSerializer(user).data)


class AccountSettingsApi(_AccountApi):
    @extend_schema(responses=AccountSettingsOutputSerializer, operation_id="account_settings")
    def get(self, request):
        return Response(AccountSettingsOutputSerializer(request.user).data)


class AccountSettingsCodeApi(_AccountApi):
    """Send a code: `phone` to the new number given, `verify` to the account's own phone
    (before setting a first password), `password` to its e-mail."""

    class AccountSettingsCodeInputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=["phone", "verify", "password"])
        phone = serializers.CharField(required=False, allow_blank=True, max_length=30)

    @extend_schema(request=AccountSettingsCodeInputSerializer, responses={201: dict},
                   operation_id="account_settings_code")
    def post(self, request):
        data = self.AccountSettingsCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account_code_send(user=request.user, purpose=data.validated_data["purpose"],
                          phone=data.validated_data.get("phone"), ip=client_ip(request))
        return Response({"sent": True, "resend_after": 60}, status=201)


class AccountPhoneApi(_AccountApi):
    class AccountPhoneInputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=30)
        code = serializers.CharField(max_length=6)

    @extend_schema(request=AccountPhoneInputSerializer,
                   responses=AccountSettingsOutputSerializer,
                   operation_id="account_phone_change")
    def post(self, request):
        data = self.AccountPhoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = account_phone_change(user=request.user, **data.validated_data)
        return self._changed(request, user)


class AccountPasswordSetApi(_AccountApi):
    """A first password for an account without one, with a code sent to its own phone."""

    class AccountPasswordSetInputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=6)
        password = serializers.CharField(trim_whitespace=False, max_length=128)

    @extend_schema(request=AccountPasswordSetInputSerializer,
                   responses=AccountSettingsOutputSerializer,
                   operation_id="account_password_set")
    def post(self, request):
        data = self.AccountPasswordSetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_check(data.validated_data["password"], request.user)
        user = account_password_set(user=request.user, **data.validated_data)
        return self._changed(request, user)


class AccountPasswordApi(_AccountApi):
    """Change the password with `old_password`, or with the `code` e-mailed for it."""

    class AccountPasswordInputSerializer(serializers.Serializer):
        password = serializers.CharField(trim_whitespace=False, max_length=128)
        old_password = serializers.CharField(trim_whitespace=False, required=False,
                                             max_length=128)
        code = serializers.CharField(required=False, max_length=6)

        def validate(self, data):
            if ("old_password" in data) == ("code" in data):
                from django.utils.translation import gettext as _

                raise serializers.ValidationError(
                    _("Give either the current password or the email code."))
            return data

    @extend_schema(request=AccountPasswordInputSerializer,
                   responses=AccountSettingsOutputSerializer,
                   operation_id="account_password_change")
    def post(self, request):
        data = self.AccountPasswordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        password_check(fields["password"], request.user)
        user = account_password_change(user=request.user, password=fields["password"],
                                       old_password=fields.get("old_password"),
                                       code=fields.get("code"), ip=client_ip(request))
        return self._changed(request, user)
