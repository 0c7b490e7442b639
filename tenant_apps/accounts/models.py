"""Accounts. The table exists in the public schema (platform operators) and in each
association's schema (its applicants, members and staff), so every account belongs to exactly
one association and the same phone number can sign up with two associations independently."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person may do. One person may hold several roles."""

    OPERATOR = "operator", _("Platform operator")  # public schema only
    HQ_ADMIN = "hq_admin", _("HQ administrator")
    BRANCH_ADMIN = "branch_admin", _("Branch administrator")
    REVIEWER = "reviewer", _("Reviewer")
    FINANCE = "finance", _("Finance")
    SECRETARIAT = "secretariat", _("Secretariat")
    MEMBER = "member", _("Member")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str | None = None, password: str | None = None, **fields):
        from tenant_apps.accounts.services import normalize_email, normalize_phone

        if fields.get("email"):
            fields["email"] = normalize_email(fields["email"])
        if fields.get("phone"):
            fields["phone"] = normalize_phone(fields["phone"])
        username = username or fields.get("phone") or fields.get("email") \
            or f"u{uuid.uuid4().hex[:12]}"
        user = self.model(username=username, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    # Exposed in URLs and APIs instead of the sequential id, which repeats across associations.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(_("username"), max_length=150, unique=True)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True,
                             blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    roles = ArrayField(models.CharField(max_length=30, choices=Role.choices), default=list,
                       blank=True, verbose_name=_("roles"))
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Raised when the account is deactivated: every session it had ends for good, also after
    # it is re-activated (the session hash below changes with it).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # A name as a login (units by name) and the start of a payer's name (finance's
        # order search): equality and prefix (LIKE 'x%') in any collation.
        indexes = [models.Index(fields=["name"], name="user_name_prefix",
                                opclasses=["varchar_pattern_ops"]),
                   # who holds which staff role (capabilities.held_roles, on every queue);
                   # no pending list, so a scan never waits for VACUUM to have run
                   GinIndex(fields=["roles"], name="user_roles", fastupdate=False)]

    def __str__(self) -> str:
        return self.name or self.username

    def get_session_auth_hash(self) -> str:
        return self._epoch_session_hash()

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._epoch_session_hash(secret)

    def _epoch_session_hash(self, secret=None) -> str:
        if not self.session_epoch:  # Django's own hash: sessions from before stay valid
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac("tenant_apps.accounts.User.session", f"{self.password}:"
                           f"{self.session_epoch}", secret=secret,
                           algorithm="sha256").hexdigest()

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_association_staff(self) -> bool:
        """Staff of the association in any role (tenant_apps/accounts/capabilities.py)."""
        from tenant_apps.accounts.capabilities import can

        return can(self, "staff.console")

    @property
    def is_operator(self) -> bool:
        return Role.OPERATOR in self.roles


class VerificationCode(models.Model):
    """A six-digit code sent by SMS (to `phone`) or e-mail (to `email`, the other left
    blank). Only a keyed hash is stored; it is valid for five minutes, for a few attempts,
    once."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        LOGIN = "login", _("Log in")
        RESET = "reset", _("Password reset")
        # 账户设置, for a logged-in account: to the new phone, to its own phone (before setting
        # a password), to its own e-mail (before changing the password).
        PHONE_CHANGE = "phone", _("Change of mobile number")
        VERIFY = "verify", _("Identity check")
        PASSWORD = "password", _("Password change")

    phone = models.CharField(max_length=20, db_index=True, blank=True)
    email = models.EmailField(max_length=254, db_index=True, blank=True, default="")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.phone or self.email}"
