"""Warning API: list, create, approve, reject, lift and history. Each action calls one service."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts import services
from alerts.api.serializers import (
    AlertCreateSerializer,
    AlertDetailSerializer,
    AlertSerializer,
    ApproveSerializer,
    AuditEntrySerializer,
    CommentSerializer,
    LiftSerializer,
)
from alerts.choices import Level, Status
from alerts.models import Alert
from alerts.selectors import alert_history, alerts_visible_to
from events.shared import SharedListMixin
from foundation.datetimes import UtcIsoDateTimeFilter


class AlertFilter(django_filters.FilterSet):
    # distinct=False: the filters join nothing, so no row can repeat.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, distinct=False)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    drill = django_filters.BooleanFilter()

    class Meta:
        model = Alert
        fields = ["status", "level", "drill"]


class AlertViewSet(SharedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Warnings (预警). Office staff issue yellow and propose orange/red; leaders approve, reject and lift."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_serializer_class(self):
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Alert.objects.none()
        return alerts_visible_to(self.request.user)

    def _answer(self, alert, code=status.HTTP_200_OK):
        alert.refresh_from_db()
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=AlertCreateSerializer, responses={201: AlertSerializer})
    def create(self, request):
        """Issue a warning, or propose it for approval (``alerts.permissions.create_outcome``).

        The office issues yellow while nothing above yellow is in force and proposes every other level
        (201, ``pending_approval``); a leader issues any level, and lowering the warning in force needs
        ``"confirm_downgrade": true`` (409 without it).
        """
        data = AlertCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_create(actor=request.user, **data.validated_data)
        return self._answer(alert, status.HTTP_201_CREATED)

    @extend_schema(request=ApproveSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve what is pending: the issue, or the lift.

        ``GET /api/alerts/{id}/`` shows what approving does now (``approval``). Approving a proposal that
        lowers the warning in force needs ``"confirm_downgrade": true``; one made while another warning was
        in force (stale) needs ``"confirm_stale": true``. Without them: 409 with the same preview.
        """
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.alert_approve(
                alert=self.get_object(), actor=request.user, comment=data.text,
                confirm_downgrade=data.validated_data["confirm_downgrade"], confirm_stale=data.validated_data["confirm_stale"],
                cause=data.validated_data["cause"], basis_kind=data.validated_data["basis_kind"],
                basis_ref=data.validated_data["basis_ref"], below_city_reason=data.validated_data["below_city_reason"],
            )
        )

    @extend_schema(request=CommentSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a proposed warning, or refuse a requested lift."""
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.alert_reject(alert=self.get_object(), actor=request.user, reason=data.text))

    @extend_schema(request=LiftSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """Lift (office: yellow; leader: any) or ask the leaders to lift (office: orange, red), now or at ``lift_at``."""
        data = LiftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.alert_lift(
                alert=self.get_object(), actor=request.user, reason=data.text, lift_at=data.validated_data["lift_at"],
                below_city_reason=data.validated_data["below_city_reason"],
            )
        )

    @extend_schema(responses=AuditEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """The warning's audit trail, oldest first, as the reader may see it (the command: every step)."""
        return Response(AuditEntrySerializer(alert_history(self.get_object(), reader=request.user), many=True).data)
