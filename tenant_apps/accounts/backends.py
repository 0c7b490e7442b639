"""Log in with a phone number, an email address, a username or a member number (and, where
the association logs units in by name, the unit's name), and a password."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from tenant_apps.accounts.models import User
from tenant_apps.accounts.selectors import account_for_identifier


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("identifier") or "").strip()
        if not identifier or password is None:
            return None
        user = account_for_identifier(identifier)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
