"""Account APIs: who am I, and (for HQ administrators) one account of the association; for
visitors, the CSRF token, SMS codes and sign-up (each post needs the token, see
huiji.apiauth)."""

from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.apiauth import CsrfSessionAuthentication
from huiji.errors import NotFound
from tenant_apps.accounts.capabilities import STAFF_ROLES, capability_permission
from tenant_apps.accounts.selectors import staff_list, staff_member, staff_status, user_for_staff
from tenant_apps.accounts.services import (
    staff_activation_resend,
    staff_invite,
    staff_set_active,
    staff_update,
)


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


class AccountHumanCheckApi(APIView):
    """A new human-check puzzle (huiji/humancheck.py) for a client that signs up through the
    API: its id (`hc_token`), the URLs of the picture with the gap and of the piece, their
    sizes in pixels and how many seconds it lives. Never the answer: the client shows the
    pictures to its person and sends back where they slid the piece (`hc_position`, the
    piece strip's left edge in the picture's pixels) and the drag (`hc_trace`,
    `t,x;t,x;...` in milliseconds since the drag began). One try per puzzle."""

    permission_classes = [AllowAny]
    authentication_classes = [CsrfSessionAuthentication]

    class AccountHumanCheckOutputSerializer(serializers.Serializer):
        id = serializers.CharField()
        background = serializers.URLField()
        piece = serializers.URLField()
        width = serializers.IntegerField()
        height = serializers.IntegerField()
        piece_width = serializers.IntegerField()
        expires_in = serializers.IntegerField()

    @extend_schema(request=None, responses={201: AccountHumanCheckOutputSerializer},
                   operation_id="account_human_check")
    def post(self, request):
        from huiji import humancheck

        puzzle = humancheck.challenge()
        for image in ("background", "piece"):
            puzzle[image] = request.build_absolute_uri(puzzle[image])
        response = Response(self.AccountHumanCheckOutputSerializer(puzzle).data, status=201)
        response["Cache-Control"] = "no-store, private"
        return response


class AccountSignupApi(APIView):
    """Sign up with the association's modes; the human check's answer is required as on the
    page (a puzzle from `accounts/human-check/`: its id, the piece's position and the drag's
    trace), and the CSRF token as on every post."""

    permission_classes = [AllowAny]
    authentication_classes = [CsrfSessionAuthentication]

    class AccountSignupInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        phone = serializers.CharField(required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        password = serializers.CharField(required=False, allow_blank=True)
        code = serializers.CharField(required=False, allow_blank=True)
        hc_token = serializers.CharField(max_length=64)
        hc_position = serializers.CharField(max_length=20)
        hc_trace = serializers.CharField(max_length=10000)

    @extend_schema(request=AccountSignupInputSerializer, responses=UserOutputSerializer,
                   operation_id="account_signup")
    def post(self, request):
        from django.contrib.auth import login

        from huiji import humancheck
        from huiji.clientip import client_ip
        from tenant_apps.accounts import throttle
        from tenant_apps.accounts.forms import SignupForm
        from tenant_apps.accounts.selectors import account_settings
        from tenant_apps.accounts.services import account_signup

        data = self.AccountSignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        who = d.get("phone") or d.get("email") or ""
        humancheck.verify(d["hc_token"], d["hc_position"], d["hc_trace"], ip=client_ip(request),
                          identity=throttle.identity(who) if who.strip() else None)
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


# --- staff (HQ administrators; refused with 403 for everyone else) ----------------------------

class StaffBranchSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StaffOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    roles = serializers.SerializerMethodField()
    branches = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    last_login = serializers.DateTimeField(allow_null=True)

    def get_roles(self, user) -> list[str]:
        return [r for r in STAFF_ROLES if r in user.roles]

    @extend_schema_field(StaffBranchSerializer(many=True))
    def get_branches(self, user):
        return StaffBranchSerializer(user.administered_branches.all(), many=True).data

    @extend_schema_field(serializers.ChoiceField(choices=["active", "invited", "deactivated"]))
    def get_status(self, user):
        return staff_status(user)


class StaffRolesInputSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=list(STAFF_ROLES)),
                                  allow_empty=False, max_length=len(STAFF_ROLES))
    branches = serializers.ListField(child=serializers.CharField(max_length=40),
                                     required=False, default=list, max_length=500)

    def validate_branches(self, codes):
        from tenant_apps.configuration.models import Branch

        codes = list(dict.fromkeys(codes))
        found = {b.code: b for b in Branch.objects.filter(code__in=codes, active=True)
                 .exclude(kind=Branch.Kind.HQ)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise serializers.ValidationError(
                _("No branch with the code %(code)s takes administrators.")
                % {"code": missing[0]})
        return [found[c] for c in codes]


class StaffInviteInputSerializer(StaffRolesInputSerializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                  default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


_HQ_ONLY = capability_permission(
    "staff.manage", message=_("Only the association's HQ administrators manage its staff."))


def _staff(request, public_id):
    user = staff_member(viewer=request.user, public_id=public_id)
    if user is None:
        raise NotFound
    return user


class StaffListApi(APIView):
    permission_classes = [_HQ_ONLY]

    @extend_schema(responses=StaffOutputSerializer(many=True), operation_id="staff_list")
    def get(self, request):
        return Response(StaffOutputSerializer(staff_list(viewer=request.user),
                                              many=True).data)


class StaffInviteApi(APIView):
    """Invite a person: an account with these roles and a one-time activation link by SMS
    and/or email (never a password)."""

    permission_classes = [_HQ_ONLY]

    @extend_schema(request=StaffInviteInputSerializer,
                   responses={201: StaffOutputSerializer}, operation_id="staff_invite")
    def post(self, request):
        data = StaffInviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        invitation = staff_invite(acting_user=request.user, name=fields["name"],
                                  phone=fields["phone"] or None, email=fields["email"] or None,
                                  roles=fields["roles"], branches=fields["branches"])
        user = staff_member(viewer=request.user, public_id=invitation.user.public_id)
        return Response(StaffOutputSerializer(user).data, status=201)


class StaffDetailApi(APIView):
    permission_classes = [_HQ_ONLY]

    @extend_schema(responses=StaffOutputSerializer, operation_id="staff_detail")
    def get(self, request, public_id):
        return Response(StaffOutputSerializer(_staff(request, public_id)).data)


class StaffUpdateApi(APIView):
    """Replace a staff member's roles and the branches they administer."""

    permission_classes = [_HQ_ONLY]

    @extend_schema(request=StaffRolesInputSerializer, responses=StaffOutputSerializer,
                   operation_id="staff_update")
    def put(self, request, public_id):
        user = _staff(request, public_id)
        data = StaffRolesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff_update(acting_user=request.user, user=user, roles=data.validated_data["roles"],
                     branches=data.validated_data["branches"])
        return Response(StaffOutputSerializer(_staff(request, public_id)).data)


class _StaffSetActiveApi(APIView):
    permission_classes = [_HQ_ONLY]
    active: bool

    def post(self, request, public_id):
        staff_set_active(acting_user=request.user, user=_staff(request, public_id),
                         active=self.active)
        return Response(StaffOutputSerializer(_staff(request, public_id)).data)


@extend_schema_view(post=extend_schema(request=None, responses=StaffOutputSerializer,
                                       operation_id="staff_deactivate"))
class StaffDeactivateApi(_StaffSetActiveApi):
    """The person can no longer log in; every session of theirs ends."""

    active = False


@extend_schema_view(post=extend_schema(request=None, responses=StaffOutputSerializer,
                                       operation_id="staff_reactivate"))
class StaffReactivateApi(_StaffSetActiveApi):
    active = True


class StaffActivationResendApi(APIView):
    """A new one-time activation link, for someone who has not chosen a password yet."""

    permission_classes = [_HQ_ONLY]

    @extend_schema(request=None, responses=StaffOutputSerializer,
                   operation_id="staff_activation_resend")
    def post(self, request, public_id):
        user = _staff(request, public_id)
        staff_activation_resend(acting_user=request.user, user=user)
        return Response(StaffOutputSerializer(user).data)
