"""ID numbers and fields marked sensitive are sealed at rest (docs/personal-data.md): what
PostgreSQL holds is an envelope, what the pages show is the value (masked for staff), a value
copied to another association does not open there, and `personal_data_rekey` moves
everything to the current key."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from huiji import crypto
from huiji.sealed import reseal_schema
from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import MemberType
from tenant_apps.records.models import MemberRecord
from tenant_apps.records.tests.helpers import client_for, hq_admin, member

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # sample_value's ID number
OLD = "old=" + base64.b64encode(b"o" * 32).decode()
NEW = "new=" + base64.b64encode(b"n" * 32).decode()


def _raw(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_the_raw_columns_hold_no_id_number(alpha):
    """The application's answers, the record's values and the audit of a change: SELECTed
    as JSON text, no ID number anywhere; the pages show it (masked for staff)."""
    with schema_context("alpha"):
        membership = member("senior", 11)
        record = membership.record
        from tenant_apps.records.services import record_apply_changes

        record_apply_changes(acting_user=hq_admin(), record=record, editable_only=False,
                             changes={"id_number": "31010419900307123X"},
                             reason="证件号有误")
        for table, column in (("applications_application", "answers"),
                              ("records_memberrecord", "values"),
                              ("audit_auditentry", "data")):
            texts = [t for (t,) in _raw(f'SELECT "{column}"::text FROM {table}')]  # noqa: S608
            assert texts, table
            assert not any(ID_NUMBER in t or "31010419900307123X" in t for t in texts), table
        stored = json.loads(_raw("SELECT values::text FROM records_memberrecord WHERE id = %s",
                                 [record.pk])[0][0])
        assert stored["id_number"]["$sealed"].startswith("hj1:dev:")
        # the code above the model reads the value itself
        assert MemberRecord.objects.get(pk=record.pk).values["id_number"] == "31010419900307123X"
        assert Application.objects.get(pk=membership.application.pk).answers["id_number"] \
            == ID_NUMBER
        owner, admin = membership.user, hq_admin()
    page = client_for(owner, "alpha.localhost").get("/member/profile/").content.decode()
    assert "31010419900307123X" in page
    staff = client_for(admin, "alpha.localhost").get(
        f"/manage/members/{membership.number}/").content.decode()
    assert "310***********123X" in staff and "31010419900307123X" not in staff


def test_a_value_copied_to_another_association_does_not_open(alpha, beta):
    with schema_context("alpha"):
        membership = member("senior", 12)
        sealed = _raw("SELECT values::text FROM records_memberrecord WHERE id = %s",
                      [membership.record.pk])[0][0]
    envelope = json.loads(sealed)["id_number"]["$sealed"]
    with schema_context("beta"), pytest.raises(crypto.SealError):
        crypto.unseal(envelope)
    with schema_context("alpha"):
        assert crypto.unseal(envelope) == json.dumps(ID_NUMBER)


def test_rekey_moves_every_value_to_the_current_key_and_is_idempotent(alpha):
    with override_settings(HUIJI_DATA_KEYS=OLD), schema_context("alpha"):
        membership = member("senior", 13)
        before = _raw("SELECT values::text FROM records_memberrecord WHERE id = %s",
                      [membership.record.pk])[0][0]
        assert '"hj1:old:' in before
    with override_settings(HUIJI_DATA_KEYS=f"{NEW},{OLD}"), schema_context("alpha"):
        # both keys configured: the old values still open
        assert MemberRecord.objects.get(pk=membership.record.pk).values["id_number"] \
            == ID_NUMBER
        first = reseal_schema()
        assert first["records_memberrecord"][1] >= 1
        assert first["applications_application"][1] >= 1
        after = _raw("SELECT values::text FROM records_memberrecord WHERE id = %s",
                     [membership.record.pk])[0][0]
        assert '"hj1:new:' in after and '"hj1:old:' not in after
        second = reseal_schema()
        assert all(written == 0 for _read, written in second.values())
    with override_settings(HUIJI_DATA_KEYS=NEW), schema_context("alpha"):
        # the old key gone: everything opens under the new one alone
        assert MemberRecord.objects.get(pk=membership.record.pk).values["id_number"] \
            == ID_NUMBER
        assert not _raw("SELECT 1 FROM applications_application "
                        "WHERE answers::text LIKE '%%hj1:old:%%'")


def test_rekey_seals_what_was_stored_in_clear_and_the_command_reports(alpha, capsys):
    """Rows written before sealing existed (as the data migration finds them): sealed by the
    command, which says how many, and says 0 the second time."""
    with schema_context("alpha"):
        membership = member("senior", 14)
        _raw("UPDATE records_memberrecord SET values = jsonb_set(values, '{id_number}', "
             "to_jsonb(%s::text)) WHERE id = %s", [ID_NUMBER, membership.record.pk])
        assert ID_NUMBER in _raw("SELECT values::text FROM records_memberrecord "
                                 "WHERE id = %s", [membership.record.pk])[0][0]
    connection.set_schema_to_public()
    call_command("personal_data_rekey", "--schema", "alpha")
    out = capsys.readouterr().out
    assert "alpha:" in out and "records_memberrecord 1/" in out
    with schema_context("alpha"):
        assert ID_NUMBER not in _raw("SELECT values::text FROM records_memberrecord "
                                     "WHERE id = %s", [membership.record.pk])[0][0]
    connection.set_schema_to_public()
    call_command("personal_data_rekey", "--schema", "alpha")
    assert "alpha: 0 of" in capsys.readouterr().out


def test_staff_find_a_member_by_full_id_number_through_the_blind_index(alpha):
    with schema_context("alpha"):
        membership = member("senior", 15)
        from tenant_apps.directory.models import DirectoryEntry

        digests = DirectoryEntry.objects.get(pk=membership.pk).id_digests
        assert digests and ID_NUMBER not in "".join(digests)
        admin = hq_admin()
    staff = client_for(admin, "alpha.localhost")
    found = staff.get("/manage/members/", {"q": ID_NUMBER.lower()}).content.decode()
    assert membership.number in found
    other = staff.get("/manage/members/", {"q": "31010419900307123X"}).content.decode()
    assert membership.number not in other


def test_a_sensitive_group_sub_field_and_the_application_draft_are_sealed(alpha):
    """Answers saved at each step of the wizard are sealed before the application is
    submitted."""
    with schema_context("alpha"):
        application = application_start(applicant=applicant(16),
                                        member_type=MemberType.objects.get(code="senior"))
        complete(application)
        text = _raw("SELECT answers::text FROM applications_application WHERE id = %s",
                    [application.pk])[0][0]
        assert ID_NUMBER not in text and '"$sealed"' in text


def test_payment_secrets_use_the_same_envelope_and_legacy_tokens_still_open(alpha):
    from tenant_apps.configuration.crypto import decrypt, encrypt

    with schema_context("alpha"):
        token = encrypt("api-v3-key-0123456789")
        assert token.startswith("hj1:dev:")
        assert decrypt(token) == "api-v3-key-0123456789"
        # a Fernet token written before the envelope (ENCRYPTION_KEY, HKDF by schema)
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        from django.conf import settings

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huiji-payment-secrets",
                   info=b"alpha").derive((settings.ENCRYPTION_KEY
                                          or settings.SECRET_KEY).encode())
        legacy = Fernet(base64.urlsafe_b64encode(key)).encrypt(b"old-secret").decode()
        assert decrypt(legacy) == "old-secret"
