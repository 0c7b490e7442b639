"""Importing existing members (导入会员): an uploaded spreadsheet, how its columns map onto the
member type's fields, what checking it found, and what writing it did.

One `MemberImport` per uploaded file, through the states of `imports/state.py`:

    uploaded ──> checked ──> queued ──> running ──> done
        ^           │                      └──────> failed (a batch failed: see `failures`)
        └───────────┘ (mapped again, checked again)

`ImportMapping` keeps the last mapping per member type (header label -> target), so the next
file of the same shape maps itself. `ImportedMember` names every membership an import
created or changed: the invitations to 首次登录 go to them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportMapping(models.Model):
    member_type = models.OneToOneField("configuration.MemberType", on_delete=models.CASCADE,
                                       related_name="import_mapping")
    # {header label as written in the file: target key (imports.targets)}
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"mapping of {self.member_type_id}"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip: keep the existing member as it is")
    UPDATE = "update", _("Update: the file's values replace the existing ones")
    FILL = "fill", _("Fill blanks: only empty fields take the file's values")


class MemberImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, to be mapped and checked")
        CHECKED = "checked", _("Checked, ready to import")
        QUEUED = "queued", _("Waiting to be written")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Finished with failed batches")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member_type = models.ForeignKey("configuration.MemberType", on_delete=models.PROTECT,
                                    related_name="imports")
    file = models.OneToOneField("files.PrivateFile", on_delete=models.PROTECT,
                                related_name="member_import")
    filename = models.CharField(_("file name"), max_length=255)
    # The rows as the check made them (gzipped JSON, imports.rows.dump_rows) and the
    # configuration revision they were checked under: the writing reads them back instead of
    # checking every value again, unless the configuration changed since.
    checked_file = models.OneToOneField("files.PrivateFile", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.UPLOADED)
    headers = models.JSONField(default=list)          # the first row, as written
    mapping = models.JSONField(default=dict)          # {column index as text: target key}
    policy = models.CharField(_("existing members"), max_length=10,
                              choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP)
    total_rows = models.PositiveIntegerField(default=0)
    # What checking found: rows refused (with reasons), rows matching existing members.
    invalid_rows = models.PositiveIntegerField(default=0)
    existing_rows = models.PositiveIntegerField(default=0)
    # [{row, column, message}], the first MAX_ERRORS of them (imports.services)
    errors = models.JSONField(default=list, blank=True)
    # Writing: rows done so far (the progress bar), and what they became.
    done_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # [{"rows": "2-501", "message": ...}]: batches rolled back, nothing of them written
    failures = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class ImportedMember(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    member_import = models.ForeignKey(MemberImport, on_delete=models.CASCADE,
                                      related_name="members")
    membership = models.ForeignKey("memberships.Membership", on_delete=models.CASCADE,
                                   related_name="+")
    row = models.PositiveIntegerField()  # the row of the file (1 is the header)
    action = models.CharField(max_length=10, choices=Action.choices)

    class Meta:
        ordering = ["row"]
        constraints = [models.UniqueConstraint(fields=["member_import", "membership"],
                                               name="imported_once_per_import")]

    def __str__(self) -> str:
        return f"{self.member_import_id}: row {self.row}"
