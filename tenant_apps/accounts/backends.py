"""Log in with a phone number, an email address, a username or a member number (and, where
the association logs units in by name, the unit's name), and a password."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Q
from django_tenants.utils import get_public_schema_name

from tenant_apps.accounts.models import User
from tenant_apps.accounts.selectors import accepts_name_login
from tenant_apps.accounts.services import normalize_email, normalize_phone


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("identifier") or "").strip()
        if not identifier or password is None:
            return None
        query = (Q(username=identifier) | Q(email=normalize_email(identifier))
                 | Q(phone=normalize_phone(identifier)))
        if connection.schema_name != get_public_schema_name():
            # Members of an association may also give their member number (CAQ), and units
            # their name where the association logs units in by name.
            query |= Q(membership__number=identifier)
            if accepts_name_login():
                query |= Q(name=identifier)
        matches = list(User.objects.filter(query)[:2])
        # A name shared by two accounts identifies neither.
        user = matches[0] if len(matches) == 1 else None
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
