"""The audit log. The table exists in the public schema (operator actions) and in every
association's schema (that association's actions), so an association's log holds only its own
rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiji.sealed import SealedJSONField


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Kept as a label too: the log must still read correctly after the user is deleted.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    reason = models.TextField(blank=True)
    # Values under a sensitive field key (an ID number in a record change) are sealed like
    # the record's own (huiji.sealed): the log is no copy of personal data in clear.
    data = SealedJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A member's timeline (records.timeline) reads the rows about its objects by target.
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
