"""Assignment and response API. Each action calls one service and answers with the new state."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404  # DRF's: a malformed id is a 404, not a ValueError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response as ApiResponse

from events.shared import SharedListMixin
from foundation.parsers import BoundedJSONParser
from responses import services
from responses.api.serializers import (
    AssignmentSerializer,
    CompleteSerializer,
    ProgressSerializer,
    RemindSerializer,
    ResponseSerializer,
    ReturnSerializer,
)
from responses.choices import AssignmentStatus, overdue_q
from responses.models import Response, TaskAssignment
from responses.permissions import may_supervise
from responses.selectors import assignments_visible_to, response_summary


class AssignmentFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="unit__code")
    status = django_filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)
    response = django_filters.NumberFilter(field_name="response_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = TaskAssignment
        fields = ["unit", "status", "response", "overdue"]

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(overdue_q(now)) if value else queryset.exclude(overdue_q(now))


class AssignmentViewSet(SharedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Task assignments, newest response first and then in the roster's order. A unit member sees and acts
    on their own unit's tasks only."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return TaskAssignment.objects.none()
        # Newest response first (its foreign-key index, walked backwards), then the roster's order: the first
        # page is the current work whatever the years of history (bench/history.py); by unit order alone
        # it sorted every assignment ever made (270 ms over 60,000).
        return assignments_visible_to(self.request.user).order_by("-response_id", "unit__order", "id")

    def _answer(self, assignment):
        assignment.refresh_from_db()
        return ApiResponse(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._answer(services.assignment_acknowledge(assignment=self.get_object(), actor=request.user))

    @extend_schema(request=ProgressSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.assignment_progress(
                assignment=self.get_object(), actor=request.user, text=data.validated_data["text"],
                files=data.validated_data["files"],
            )
        )

    @extend_schema(request=CompleteSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.assignment_complete(
                assignment=self.get_object(), actor=request.user, report=data.validated_data["report"],
                files=data.validated_data["files"],
            )
        )

    @extend_schema(request=ReturnSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.assignment_return(assignment=self.get_object(), actor=request.user, reason=data.validated_data["reason"])
        )


    @extend_schema(request=RemindSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        """The command reminds the unit of an open task (409 when it is completed or closed)."""
        data = RemindSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.assignment_remind(assignment=self.get_object(), actor=request.user, note=data.validated_data["note"])
        )


class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Responses (应急响应), visible to the command."""

    serializer_class = ResponseSerializer
    queryset = Response.objects.all()

    def get_queryset(self):
        if not may_supervise(self.request.user):
            raise PermissionDenied("Only the office and the leaders follow responses.")
        return Response.objects.select_related("alert").order_by("-started_at")

    @extend_schema(
        responses=inline_serializer(
            "ResponseSummary",
            {
                "response": ResponseSerializer(),
                "totals": serializers.DictField(child=serializers.IntegerField()),
                "units": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """The summary evaluation: per-unit acknowledgement latency, completion and overdue counts, and totals."""
        response = get_object_or_404(self.get_queryset(), pk=pk)
        summary = response_summary(response)
        return ApiResponse(
            {
                "response": ResponseSerializer(response).data,
                "totals": summary["totals"],
                "units": [
                    {
                        "unit": row["unit"].code,
                        "unit_name": row["unit"].name,
                        **{k: row[k] for k in ("assigned", "acknowledged", "completed", "cancelled", "overdue",
                                               "ack_latency_avg_s", "ack_latency_max_s")},
                        "reports": len(row["reports"]),
                    }
                    for row in summary["units"]
                ],
            }
        )
