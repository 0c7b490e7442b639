"""The member directory: one search row per membership, kept current by
`directory.services.refresh_entries`, and the counts per branch, type, rank and status that
the staff list shows at the top (docs/directory.md).

`DirectoryEntry` copies every column the staff list filters, sorts or searches on out of the
membership, its record, its account and its contacts, so that one indexed table answers
every list at 1,000,000 members. Text columns use the "C" collation: a plain b-tree index
then serves both `LIKE 'prefix%'` and ordering.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

C = "C"  # byte-order collation: prefix LIKE uses the b-tree index


class DirectoryEntry(models.Model):
    membership = models.OneToOneField("memberships.Membership", on_delete=models.CASCADE,
                                      primary_key=True, related_name="directory_entry")
    number = models.CharField(max_length=40, db_collation=C)
    # The member as lists name it (records.selectors.member_name): a person's name, a
    # unit's name; its pinyin, lowercase without spaces (张三 -> zhangsan), and initials (zs).
    name = models.CharField(max_length=200, db_collation=C)
    name_pinyin = models.CharField(max_length=400, db_collation=C)
    name_initials = models.CharField(max_length=100, db_collation=C)
    is_unit = models.BooleanField(default=False)
    # The account's phone first, then the record's phone fields and the contacts' mobiles.
    phone = models.CharField(max_length=20, blank=True, db_collation=C)
    phones = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    email = models.CharField(max_length=254, blank=True, db_collation=C)
    emails = ArrayField(models.CharField(max_length=254), default=list, blank=True)
    credit_code = models.CharField(max_length=18, blank=True, db_collation=C)
    # The blind indexes (huiji.sealed.index_of) of the member's ID numbers: the search box
    # finds a member by a full ID number without the number being stored here or anywhere
    # in clear.
    id_digests = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    member_type = models.ForeignKey("configuration.MemberType", on_delete=models.DO_NOTHING,
                                    related_name="+", db_constraint=False)
    rank = models.ForeignKey("configuration.Rank", null=True, on_delete=models.DO_NOTHING,
                             related_name="+", db_constraint=False)
    status = models.CharField(max_length=20)
    in_arrears = models.BooleanField(default=False)
    branch = models.ForeignKey("configuration.Branch", null=True, on_delete=models.DO_NOTHING,
                               related_name="+", db_constraint=False)
    interest_branches = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    region = models.CharField(max_length=40, blank=True, db_collation=C)  # province
    city = models.CharField(max_length=40, blank=True, db_collation=C)
    title = models.CharField(max_length=100, blank=True, db_collation=C)
    school = models.CharField(max_length=200, blank=True, db_collation=C)  # or work unit
    referral = models.CharField(max_length=64, blank=True, db_collation=C)  # channel code
    referral_branch = models.CharField(max_length=64, blank=True, db_collation=C)
    joined_on = models.DateField()
    valid_until = models.DateField(null=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        indexes = [
            # search: prefixes (C collation: LIKE 'x%' uses these)
            models.Index(fields=["number"], name="dir_number"),
            models.Index(fields=["name", "number"], name="dir_name"),
            models.Index(fields=["name_pinyin", "number"], name="dir_pinyin"),
            models.Index(fields=["name_initials", "number"], name="dir_initials"),
            models.Index(fields=["phone"], name="dir_phone"),
            models.Index(fields=["email"], name="dir_email"),
            models.Index(fields=["credit_code"], name="dir_credit_code"),
            GinIndex(fields=["phones"], name="dir_phones"),
            GinIndex(fields=["emails"], name="dir_emails"),
            GinIndex(fields=["id_digests"], name="dir_id_digests"),
            GinIndex(fields=["interest_branches"], name="dir_interest"),
            # filters with their usual order
            models.Index(fields=["member_type", "status", "number"], name="dir_type_status"),
            models.Index(fields=["status", "number"], name="dir_status"),
            models.Index(fields=["branch", "number"], name="dir_branch"),
            models.Index(fields=["branch", "member_type", "status", "number"],
                         name="dir_branch_type_status"),
            models.Index(fields=["valid_until", "number"], name="dir_valid_until"),
            models.Index(fields=["joined_on", "number"], name="dir_joined"),
            models.Index(fields=["number"], condition=models.Q(in_arrears=True),
                         name="dir_arrears"),
            models.Index(fields=["region", "city"], name="dir_region"),
            models.Index(fields=["title"], name="dir_title"),
            models.Index(fields=["school"], name="dir_school"),
            models.Index(fields=["referral"], name="dir_referral"),
            models.Index(fields=["referral_branch"], name="dir_referral_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class DirectoryCount(models.Model):
    """How many members of one branch (none: headquarters' own) have one type, rank and
    status: the counts at the top of the staff list, summed over the viewer's scope. Written
    only by `refresh_entries` (the change it made to the entries, in the same statement) and
    `rebuild_counts`."""

    branch_id = models.BigIntegerField(default=0)  # 0: no branch
    member_type_id = models.BigIntegerField()
    rank_id = models.BigIntegerField(default=0)  # 0: no rank
    status = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["branch_id", "member_type_id", "rank_id", "status"],
            name="directory_count_key")]

    def __str__(self) -> str:
        return f"{self.branch_id}/{self.member_type_id}/{self.rank_id}/{self.status}: {self.n}"


class SavedSearch(models.Model):
    """A staff member's list filters kept under a name (the canonical query string)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_searches")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"],
                                               name="saved_search_name_per_owner")]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name
