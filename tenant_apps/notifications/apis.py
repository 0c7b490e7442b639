from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.errors import NotFound
from tenant_apps.notifications.models import InboxMessage
from tenant_apps.notifications.services import inbox_mark_read, inbox_unread_count


class InboxMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class InboxApi(APIView):
    class InboxSerializer(serializers.Serializer):
        unread = serializers.IntegerField()
        messages = InboxMessageSerializer(many=True)

    @extend_schema(responses=InboxSerializer, operation_id="inbox")
    def get(self, request):
        rows = InboxMessage.objects.filter(user=request.user)[:100]
        return Response({"unread": inbox_unread_count(request.user),
                         "messages": InboxMessageSerializer(rows, many=True).data})


class InboxMessageApi(APIView):
    @extend_schema(responses=InboxMessageSerializer, operation_id="inbox_message")
    def get(self, request, pk):
        message = InboxMessage.objects.filter(user=request.user, pk=pk).first()
        if message is None:
            raise NotFound
        return Response(InboxMessageSerializer(message).data)

    @extend_schema(request=None, responses=InboxMessageSerializer,
                   operation_id="inbox_message_read")
    def post(self, request, pk):
        inbox_mark_read(user=request.user, message_id=pk)
        return self.get(request, pk)
