"""What an association shows on its landing page. One row per association schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteContent(models.Model):
    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("site content")
        verbose_name_plural = _("site content")

    def __str__(self) -> str:
        return self.tagline or "site content"
