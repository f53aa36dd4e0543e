"""Standing duties API (read) and recording a round done."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response as ApiResponse

from routines import services
from routines.api.serializers import OccurrenceSerializer, RoundCompleteSerializer, RoutineSerializer
from routines.models import Occurrence, Routine
from routines.permissions import may_view_routines
from routines.selectors import occurrences_visible_to, routines_visible_to


class CommandOnly(BasePermission):
    def has_permission(self, request, view):
        return may_view_routines(request.user)


class RoutineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The office's standing duties (monthly, quarterly, yearly: drills, training, the list's update…)."""

    serializer_class = RoutineSerializer
    permission_classes = [CommandOnly]
    filterset_fields = ["kind", "frequency", "active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Routine.objects.none()
        return routines_visible_to(self.request.user).order_by("title", "id")


class OccurrenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rounds of the standing duties with their due days; the office records one done."""

    serializer_class = OccurrenceSerializer
    permission_classes = [CommandOnly]
    filterset_fields = ["routine", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Occurrence.objects.none()
        return occurrences_visible_to(self.request.user).order_by("due_on", "id")

    @extend_schema(request=RoundCompleteSerializer, responses=OccurrenceSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        from training.selectors import records_visible_to

        data = RoundCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record_id = data.validated_data["training_record"]
        record = records_visible_to(request.user).filter(pk=record_id).first() if record_id else None
        if record_id and record is None:  # a reference in the body: a bad request, not a missing resource
            raise ValidationError({"training_record": [_("No such training or drill record.")]})
        occurrence = services.occurrence_complete(occurrence=self.get_object(), actor=request.user,
                                                  note=data.validated_data["note"], training_record=record)
        return ApiResponse(OccurrenceSerializer(occurrence).data)
