"""The member record: what staff and the member both see of a membership, kept current.

`MemberRecord.values` holds the current value of every field of the member's forms (and of
the record's own fields, such as Jiangsu's 企业营收), by field key, copied from the approved
application and changed afterwards only through `records.services.record_apply_changes`, which
writes one audit row with the old and new value of each field. A reviewed change request (a
later piece) carries the same {key: new value} and is applied by the same function.

Contacts are rows of their own (`Contact`): a unit adds, edits and removes them, and a
contact's mobile may log in to the unit's account (accounts.selectors.account_for_identifier).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberRecord(models.Model):
    membership = models.OneToOneField("memberships.Membership", on_delete=models.CASCADE,
                                      related_name="record")
    # The application the record was first filled from (the joining application).
    source_application = models.ForeignKey("applications.Application", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    # The body joined: its administrators see the member (branch administrators' scope).
    branch = models.ForeignKey("configuration.Branch", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="member_records")
    values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member record")
        verbose_name_plural = _("member records")

    def __str__(self) -> str:
        return f"record of {self.membership_id}"


class Contact(models.Model):
    record = models.ForeignKey(MemberRecord, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    department = models.CharField(_("department"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    # A mainland mobile, 11 digits (accounts.services.normalize_phone), or empty.
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    telephone = models.CharField(_("telephone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.role}: {self.name}"
