"""Existing memberships get their record from the application that made them (the demo's and
every association's members from before records existed)."""

from django.db import migrations


def fill(apps, schema_editor):
    from tenant_apps.records.layout import (
        contacts_from_answers,
        layout_of,
        record_values_from_answers,
    )

    Membership = apps.get_model("memberships", "Membership")
    MemberRecord = apps.get_model("records", "MemberRecord")
    Contact = apps.get_model("records", "Contact")
    Application = apps.get_model("applications", "Application")
    for membership in Membership.objects.filter(record__isnull=True).select_related(
            "member_type"):
        application = Application.objects.filter(membership=membership).select_related(
            "revision").first()
        answers = application.answers if application else {}
        type_doc = {}
        if application:
            type_doc = next((t for t in application.revision.document.get("member_types", [])
                             if t["code"] == membership.member_type.code), {})
        layout = layout_of(type_doc) if type_doc else {"contacts": None}
        record = MemberRecord.objects.create(
            membership=membership, source_application=application,
            branch_id=application.branch_id if application else None,
            values=record_values_from_answers(layout, answers or {}))
        for n, row in enumerate(contacts_from_answers(layout.get("contacts"), answers or {})):
            Contact.objects.create(record=record, ordering=n, **row)


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0001_initial"),
        ("applications", "0004_level_change"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
