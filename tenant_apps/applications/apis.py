"""The join journey's API: the applicant's application step by step, and the review queue.

Session-authenticated like the pages; every write goes through the same services."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.clientip import client_ip
from huiji.errors import AppError, NotFound
from tenant_apps.applications import selectors
from tenant_apps.applications.engine import answers_shown, form_steps
from tenant_apps.applications.models import Application, ApplicationUpload
from tenant_apps.applications.services import (
    application_accept_notices,
    application_add_upload,
    application_problems,
    application_remove_upload,
    application_save_step,
    application_start,
    application_store_image,
    application_submit,
    chain_of,
    referral_channel_chosen,
    review_decide,
    type_doc,
)
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.configuration.selectors import current_notices


class ApplicationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    member_type = serializers.CharField(source="member_type.code")
    rank = serializers.CharField(source="rank.code", allow_null=True, default=None)
    status = serializers.CharField()
    status_label = serializers.SerializerMethodField()
    review_step = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    years = serializers.IntegerField()
    last_reason = serializers.CharField()
    steps = serializers.SerializerMethodField()
    uploads = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_answers(self, obj) -> dict:
        return answers_shown(type_doc(obj), obj.answers)

    def get_status_label(self, obj) -> str:
        return selectors.status_label(obj)

    def get_review_step(self, obj) -> dict | None:
        if obj.review_position is None or obj.review_position >= len(chain_of(obj)):
            return None
        return {"position": obj.review_position, **chain_of(obj)[obj.review_position]}

    def get_steps(self, obj) -> list[dict]:
        return [{"index": s.index, "title": s.title, "fields": s.fields}
                for s in form_steps(type_doc(obj))]

    def get_uploads(self, obj) -> list[dict]:
        # .all(): the uploads with their files are prefetched (WITH_ROWS)
        return [{"id": u.pk, "requirement": u.requirement, "name": u.file.original_name,
                 "file": str(u.file.public_id)} for u in obj.uploads.all()]

    def get_problems(self, obj) -> list[str]:
        return [str(p) for p in application_problems(obj, notices=self.context.get("notices"))]


# What ApplicationSerializer reads of related rows, fetched once for a list or one object.
WITH_ROWS = (Prefetch("uploads", queryset=ApplicationUpload.objects.select_related("file")),
             "acceptances")


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    step_name = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    reason = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


def _mine(request, public_id) -> Application:
    application = selectors.application_for_applicant(request.user, public_id)
    if application is None:
        raise NotFound
    return application


def _out(application: Application) -> dict:
    return ApplicationSerializer(Application.objects.select_related(
        "member_type", "rank", "revision").prefetch_related(*WITH_ROWS).get(
        pk=application.pk)).data


class ApplicationStartApi(APIView):
    class ApplicationStartInputSerializer(serializers.Serializer):
        member_type = serializers.CharField()
        rank = serializers.CharField(required=False, allow_blank=True)
        branch = serializers.CharField(required=False, allow_blank=True)
        referral = serializers.CharField(required=False, allow_blank=True)
        referral_branch = serializers.CharField(required=False, allow_blank=True)
        referrer_name = serializers.CharField(required=False, allow_blank=True)
        referrer_number = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=ApplicationStartInputSerializer, responses=ApplicationSerializer,
                   operation_id="application_start")
    def post(self, request):
        data = self.ApplicationStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        mtype = MemberType.objects.filter(code=d["member_type"], active=True).first()
        if mtype is None:
            raise AppError("type_required", _("Choose a member type."), field="member_type")
        application = application_start(
            applicant=request.user, member_type=mtype,
            rank=mtype.ranks.filter(code=d.get("rank") or "").first(),
            branch=Branch.objects.filter(code=d.get("branch") or "",
                                         accepts_applications=True).first(),
            referral=referral_channel_chosen(d.get("referral")),
            referral_branch=Branch.objects.filter(code=d.get("referral_branch") or "").first(),
            referrer_name=d.get("referrer_name", ""),
            referrer_number=d.get("referrer_number", ""))
        return Response(_out(application), status=status.HTTP_201_CREATED)


class ApplicationCurrentApi(APIView):
    @extend_schema(responses=ApplicationSerializer, operation_id="application_current")
    def get(self, request):
        application = selectors.open_application(request.user)
        if application is None:
            raise NotFound
        return Response(_out(application))


class ApplicationStepApi(APIView):
    class ApplicationStepInputSerializer(serializers.Serializer):
        answers = serializers.DictField()
        finish = serializers.BooleanField(default=False)

    @extend_schema(request=ApplicationStepInputSerializer, responses=ApplicationSerializer,
                   operation_id="application_save_step")
    def put(self, request, public_id, index):
        application = _mine(request, public_id)
        data = self.ApplicationStepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        errors = application_save_step(application=application, actor=request.user,
                                       step_index=index, data=data.validated_data["answers"],
                                       finish=data.validated_data["finish"])
        if errors:
            return Response({"error": {"code": "invalid_answers",
                                       "message": _("Some answers need attention."),
                                       "fields": errors}}, status=400)
        return Response(_out(application))


class ApplicationNoticesApi(APIView):
    @extend_schema(request=None, responses=ApplicationSerializer,
                   operation_id="application_accept_notices")
    def post(self, request, public_id):
        application = _mine(request, public_id)
        application_accept_notices(application=application, actor=request.user,
                                   ip=client_ip(request))
        return Response(_out(application))


class ApplicationUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "requirement": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}},
        responses=ApplicationSerializer, operation_id="application_upload")
    def post(self, request, public_id):
        application = _mine(request, public_id)
        if "file" not in request.FILES:
            raise AppError("file_required", _("Choose a file first."), field="file")
        application_add_upload(application=application, actor=request.user,
                               requirement=request.data.get("requirement", ""),
                               uploaded=request.FILES["file"])
        return Response(_out(application), status=status.HTTP_201_CREATED)


class ApplicationImageApi(APIView):
    """A picture for an image question: stored for the applicant; its id is then the answer."""

    parser_classes = [MultiPartParser, FormParser]

    class ImageOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "field": {"type": "string"}, "file": {"type": "string", "format": "binary"}},
        "required": ["field", "file"]}},
        responses={201: ImageOutputSerializer}, operation_id="application_image")
    def post(self, request, public_id):
        application = _mine(request, public_id)
        if "file" not in request.FILES:
            raise AppError("file_required", _("Choose a file first."), field="file")
        stored = application_store_image(application=application, actor=request.user,
                                         field=str(request.data.get("field", "")),
                                         uploaded=request.FILES["file"])
        return Response({"id": str(stored.public_id)}, status=status.HTTP_201_CREATED)


class ApplicationUploadDeleteApi(APIView):
    @extend_schema(responses=ApplicationSerializer, operation_id="application_upload_remove")
    def delete(self, request, public_id, upload_id):
        application = _mine(request, public_id)
        application_remove_upload(application=application, actor=request.user,
                                  upload_id=upload_id)
        return Response(_out(application))


class ApplicationSubmitApi(APIView):
    @extend_schema(request=None, responses=ApplicationSerializer,
                   operation_id="application_submit")
    def post(self, request, public_id):
        application = application_submit(application=_mine(request, public_id),
                                         actor=request.user)
        return Response(_out(application))


class ApplicationTimelineApi(APIView):
    @extend_schema(responses=EventSerializer(many=True), operation_id="application_timeline")
    def get(self, request, public_id):
        application = _mine(request, public_id)
        return Response(EventSerializer(application.events.all(), many=True).data)


class ReviewQueueApi(APIView):
    """The applications waiting for this person, oldest first, one page at a time
    (`?page=`, 50 a page), with how many there are in all. The same few queries for any
    number of rows (selectors.review_queue, then the page's uploads and acceptances)."""

    class ReviewQueueInputSerializer(serializers.Serializer):
        page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)

    class ReviewQueuePageSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        page = serializers.IntegerField()
        pages = serializers.IntegerField()
        next = serializers.CharField(allow_null=True)
        previous = serializers.CharField(allow_null=True)
        results = ApplicationSerializer(many=True)

    @extend_schema(parameters=[ReviewQueueInputSerializer],
                   responses=ReviewQueuePageSerializer, operation_id="review_queue")
    def get(self, request):
        if not request.user.is_association_staff:
            raise NotFound
        data = self.ReviewQueueInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = selectors.review_queue(request.user, page=data.validated_data["page"])
        prefetch_related_objects(found.rows, *WITH_ROWS)

        def link(page: int) -> str:
            return request.build_absolute_uri(f"{request.path}?page={page}")

        return Response({
            "count": found.count, "page": found.page, "pages": found.pages,
            "next": link(found.page + 1) if found.has_next else None,
            "previous": link(found.page - 1) if found.has_previous else None,
            "results": ApplicationSerializer(found.rows, many=True, context={
                "notices": current_notices()}).data})


class ReviewDecisionApi(APIView):
    class ReviewDecisionInputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "reject", "return"])
        position = serializers.IntegerField()
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=ReviewDecisionInputSerializer, responses=ApplicationSerializer,
                   operation_id="review_decide")
    def post(self, request, public_id):
        application = selectors.application_for_reviewer(request.user, public_id)
        if application is None:
            raise NotFound
        data = self.ReviewDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review_decide(application=application, actor=request.user,
                      decision=data.validated_data["decision"],
                      expected_position=data.validated_data["position"],
                      reason=data.validated_data["reason"])
        return Response(_out(application))

    @extend_schema(responses=ApplicationSerializer, operation_id="review_detail")
    def get(self, request, public_id):
        application = selectors.application_for_reviewer(request.user, public_id)
        if application is None:
            raise NotFound
        return Response(_out(application))
