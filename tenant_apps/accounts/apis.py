"""Account APIs: who am I, and (for HQ administrators) one account of the association; for
visitors, the CSRF token, SMS codes and sign-up (each post needs the token, see
huiji.apiauth)."""

from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.apiauth import CsrfSessionAuthentication
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


class AccountCsrfApi(APIView):
    """The CSRF token an API client sends back (`X-CSRFToken` header) with every post; the
    answer also sets the `csrftoken` cookie it is checked against."""

    permission_classes = [AllowAny]

    class AccountCsrfOutputSerializer(serializers.Serializer):
        csrf_token = serializers.CharField()

    @extend_schema(responses=AccountCsrfOutputSerializer, operation_id="account_csrf")
    def get(self, request):
        # get_token also has CsrfViewMiddleware set the cookie on the way out.
        return Response({"csrf_token": get_token(request)})


class AccountCodeApi(APIView):
    """Send an SMS verification code (sign-up, SMS login, password reset), for what the
    association offers. Needs the CSRF token, as every post does."""

    permission_classes = [AllowAny]
    authentication_classes = [CsrfSessionAuthentication]

    class AccountCodeInputSerializer(serializers.Serializer):
        phone = serializers.CharField()
        purpose = serializers.ChoiceField(choices=["signup", "login", "reset"])

    @extend_schema(request=AccountCodeInputSerializer, responses=dict,
                   operation_id="account_code_send")
    def post(self, request):
        from huiji.clientip import client_ip
        from tenant_apps.accounts.codes import code_send

        data = self.AccountCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code_send(phone=data.validated_data["phone"], purpose=data.validated_data["purpose"],
                  ip=client_ip(request))
        return Response({"sent": True, "resend_after": 60}, status=201)


class AccountSignupApi(APIView):
    """Sign up with the association's modes; the slider check's token and position are
    required as on the page, and the CSRF token as on every post."""

    permission_classes = [AllowAny]
    authentication_classes = [CsrfSessionAuthentication]

    class AccountSignupInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        phone = serializers.CharField(required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        password = serializers.CharField(required=False, allow_blank=True)
        code = serializers.CharField(required=False, allow_blank=True)
        hc_token = serializers.CharField()
        hc_position = serializers.CharField()

    @extend_schema(request=AccountSignupInputSerializer, responses=UserOutputSerializer,
                   operation_id="account_signup")
    def post(self, request):
        from django.contrib.auth import login

        from huiji import humancheck
        from tenant_apps.accounts.forms import SignupForm
        from tenant_apps.accounts.selectors import account_settings
        from tenant_apps.accounts.services import account_signup

        data = self.AccountSignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        humancheck.verify(d["hc_token"], d["hc_position"])
        form = SignupForm({"name": d["name"], "phone": d.get("phone", ""),
                           "email": d.get("email", ""), "password1": d.get("password", ""),
                           "password2": d.get("password", ""), "code": d.get("code", "")})
        if not form.is_valid():
            return Response({"error": {"code": "invalid", "message": str(
                _("Some answers need attention.")), "fields": form.errors}}, status=400)
        user = account_signup(
            name=form.cleaned_data["name"], phone=form.cleaned_data.get("phone"),
            email=form.cleaned_data.get("email"), password=form.cleaned_data.get("password1"),
            code=form.cleaned_data.get("code") if form.needs_code else None,
            unit_name_login="name_password" in account_settings().login_modes)
        login(request, user, backend="tenant_apps.accounts.backends.IdentifierBackend")
        return Response(UserOutputSerializer(user).data, status=201)
