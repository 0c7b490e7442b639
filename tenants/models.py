"""The tenant: an association, with its own schema and its domains."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Association(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    profile = models.CharField(_("starting profile"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Shown on the suspended page (to members and to staff trying to log in) while suspended.
    suspended_reason = models.TextField(_("reason for suspension"), blank=True)
    # The database holding this association's schema: an alias of settings.TENANT_DATABASES,
    # chosen at onboarding and never changed by the platform (tenants/databases.py).
    database = models.CharField(_("database"), max_length=63, default="default",
                                db_index=True)

    # Schemas are made by tenants.services.association_create (a clone of the template in the
    # same transaction as this row), never as a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Domain(DomainMixin):
    # An old host kept after the association's short name changed: requests to it are
    # answered 301 to the same path on the primary domain (links and bookmarks keep working).
    redirect_to_primary = models.BooleanField(_("redirects to the primary domain"),
                                              default=False)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain
