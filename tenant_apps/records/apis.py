"""The member record over the API: the member's own (`/api/v1/member/record/`), its contacts
(`/api/v1/member/contacts/`), and a member's for staff (`/api/v1/members/<number>/`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.errors import NotFound
from tenant_apps.records.selectors import (
    record_for_staff,
    record_history,
    record_of_member,
    record_shown,
)
from tenant_apps.records.services import contact_add, contact_remove, contact_update


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    role = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=50)
    department = serializers.CharField(max_length=100, required=False, allow_blank=True)
    position = serializers.CharField(max_length=50, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    telephone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)


class FieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    display = serializers.CharField(allow_blank=True)
    editable = serializers.BooleanField()


class SectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    contacts = serializers.BooleanField()
    fields = FieldSerializer(many=True, source="rows")


class HistoryEntrySerializer(serializers.Serializer):
    """One entry of the member's history (records.selectors.record_history)."""
    at = serializers.DateTimeField()
    on = serializers.DateField(allow_null=True)
    kind = serializers.ChoiceField(choices=["application", "membership", "record"])
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    actor = serializers.CharField()


class RecordSerializer(serializers.Serializer):
    number = serializers.CharField(source="membership.number")
    member_type = serializers.CharField(source="membership.member_type.name")
    rank = serializers.CharField(source="membership.rank.name", allow_null=True,
                                 default=None)
    status = serializers.CharField(source="membership.status")
    member_since = serializers.DateField(source="membership.valid_from")
    valid_until = serializers.DateField(source="membership.valid_until", allow_null=True)
    branch = serializers.CharField(source="record.branch.name", allow_null=True,
                                   default=None)
    interest_branches = serializers.ListField(child=serializers.CharField())
    sections = SectionSerializer(many=True)
    contacts = ContactSerializer(many=True)
    history = HistoryEntrySerializer(many=True)


def _shown(record, viewer) -> dict:
    shown = record_shown(record, viewer=viewer)
    return RecordSerializer({**shown, "history": record_history(
        record, document=shown["document"])}).data


class MemberRecordApi(APIView):
    @extend_schema(responses=RecordSerializer, operation_id="member_record")
    def get(self, request):
        record = record_of_member(request.user)
        if record is None:
            raise NotFound
        return Response(_shown(record, request.user))


class StaffMemberRecordApi(APIView):
    @extend_schema(responses=RecordSerializer, operation_id="staff_member_record")
    def get(self, request, number):
        record = record_for_staff(viewer=request.user, number=number)
        if record is None:
            raise NotFound
        return Response(_shown(record, request.user))


def _parsed(request) -> dict:
    serializer = ContactSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ContactListApi(APIView):
    @extend_schema(responses=ContactSerializer(many=True), operation_id="member_contacts")
    def get(self, request):
        record = record_of_member(request.user)
        if record is None:
            raise NotFound
        return Response(ContactSerializer(record.contacts.all(), many=True).data)

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer},
                   operation_id="member_contact_add")
    def post(self, request):
        record = record_of_member(request.user)
        if record is None:
            raise NotFound
        contact = contact_add(acting_user=request.user, record=record, data=_parsed(request))
        return Response(ContactSerializer(contact).data, status=201)


class ContactDetailApi(APIView):
    def _contact(self, request, pk):
        record = record_of_member(request.user)
        contact = next((c for c in record.contacts.all() if c.pk == pk), None) \
            if record else None
        if contact is None:
            raise NotFound
        return contact

    @extend_schema(responses=ContactSerializer, operation_id="member_contact")
    def get(self, request, pk):
        return Response(ContactSerializer(self._contact(request, pk)).data)

    @extend_schema(request=ContactSerializer, responses=ContactSerializer,
                   operation_id="member_contact_update")
    def put(self, request, pk):
        contact = contact_update(acting_user=request.user, contact=self._contact(request, pk),
                                 data=_parsed(request))
        return Response(ContactSerializer(contact).data)

    @extend_schema(request=None, responses={204: None}, operation_id="member_contact_remove")
    def delete(self, request, pk):
        contact_remove(acting_user=request.user, contact=self._contact(request, pk))
        return Response(status=204)


# --- change requests (records/change_requests.py) -------------------------------------------

class ChangeRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class ChangeRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="request.public_id")
    kind = serializers.CharField(source="request.kind")
    kind_label = serializers.CharField()
    status = serializers.CharField(source="request.status")
    status_label = serializers.CharField()
    member_number = serializers.CharField(source="request.record.membership.number")
    position = serializers.IntegerField(source="request.position")
    note = serializers.CharField(source="request.note")
    reason = serializers.CharField(source="request.reason")
    created_at = serializers.DateTimeField(source="request.created_at")
    decided_at = serializers.DateTimeField(source="request.decided_at", allow_null=True)
    changes = ChangeRowSerializer(many=True)


class ChangeRequestInputSerializer(serializers.Serializer):
    """A change of details: `changes` as {field key: new value} (a JSON object, or a JSON
    string beside `proof` files in a multipart post); joining a branch: `branch`."""

    kind = serializers.ChoiceField(choices=["info", "branch"])
    changes = serializers.JSONField(required=False)
    branch = serializers.CharField(required=False, allow_blank=True, max_length=60)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    proof = serializers.ListField(child=serializers.FileField(), required=False)


class ChangeDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    position = serializers.IntegerField(min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _request_shown(change_request, viewer) -> dict:
    from tenant_apps.records.selectors import change_rows, request_status_label

    return ChangeRequestSerializer({
        "request": change_request, "kind_label": change_request.get_kind_display(),
        "status_label": request_status_label(change_request),
        "changes": change_rows(change_request, viewer=viewer)}).data


class MemberChangeRequestsApi(APIView):
    @extend_schema(responses=ChangeRequestSerializer(many=True),
                   operation_id="member_change_requests")
    def get(self, request):
        from tenant_apps.records.selectors import change_requests_of

        return Response([_request_shown(r, request.user)
                         for r in change_requests_of(request.user)])

    @extend_schema(request=ChangeRequestInputSerializer,
                   responses={201: ChangeRequestSerializer},
                   operation_id="member_change_request_submit")
    def post(self, request):
        import json

        from huiji.errors import AppError
        from tenant_apps.records.change_requests import (
            branch_join_submit,
            change_request_submit,
        )

        record = record_of_member(request.user)
        if record is None:
            raise NotFound
        # a JSON body, or a multipart form whose `proof` may repeat
        data = {k: request.data.get(k) for k in request.data if k != "proof"}
        if hasattr(request.data, "getlist"):
            data["proof"] = request.data.getlist("proof")
        serializer = ChangeRequestInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        if fields["kind"] == "branch":
            created = branch_join_submit(acting_user=request.user, record=record,
                                         branch_code=fields.get("branch", ""),
                                         note=fields.get("note", ""))
        else:
            changes = fields.get("changes")
            if isinstance(changes, str):
                try:
                    changes = json.loads(changes)
                except ValueError:
                    changes = None
            if not isinstance(changes, dict):
                from django.utils.translation import gettext as _

                raise AppError("invalid_value", _("Give the changes as an object of field "
                                                  "keys and new values."), field="changes")
            created = change_request_submit(acting_user=request.user, record=record,
                                            changes=changes, note=fields.get("note", ""),
                                            proofs=fields.get("proof") or [])
        return Response(_request_shown(created, request.user), status=201)


class StaffChangeRequestApi(APIView):
    def _request(self, request, public_id):
        from tenant_apps.records.selectors import change_request_for_staff

        found = change_request_for_staff(request.user, public_id)
        if found is None:
            raise NotFound
        return found

    @extend_schema(responses=ChangeRequestSerializer, operation_id="staff_change_request")
    def get(self, request, public_id):
        return Response(_request_shown(self._request(request, public_id), request.user))

    @extend_schema(request=ChangeDecisionSerializer, responses=ChangeRequestSerializer,
                   operation_id="staff_change_request_decide")
    def post(self, request, public_id):
        from tenant_apps.records.change_requests import change_request_decide

        serializer = ChangeDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        decided = change_request_decide(actor=request.user,
                                        request=self._request(request, public_id),
                                        decision=fields["decision"],
                                        expected_position=fields["position"],
                                        reason=fields.get("reason", ""))
        return Response(_request_shown(decided, request.user))
