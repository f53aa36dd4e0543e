"""Feeds API: forecasts in (JSON or CSV), proposals out, and a public AQI calculator."""

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.choices import Level
from feeds import aqi, services
from feeds.api.serializers import (
    AqiQuerySerializer,
    AqiResultSerializer,
    DismissSerializer,
    ForecastCreatedSerializer,
    ForecastCsvSerializer,
    ForecastInputSerializer,
    ProposalSerializer,
)
from feeds.choices import ProposalKind, ProposalStatus, Provider
from feeds.models import Proposal
from feeds.permissions import FeedsPermission
from foundation.parsers import BoundedJSONParser


def _created(forecast, proposal, created) -> Response:
    body = {
        "id": forecast.pk,
        "evaluation": forecast.evaluation,
        "proposal": ProposalSerializer(proposal).data if proposal else None,
        "proposal_created": created,
    }
    return Response(body, status=status.HTTP_201_CREATED)


def _submit(request, data: dict) -> Response:
    forecast, proposal, created = services.forecast_create(
        source=data["source"], provider=Provider.PUSH, issued_at=data["issued_at"], days=data["days"],
        actor=request.user, standard=data["standard"],
    )
    return _created(forecast, proposal, created)


class ForecastView(APIView):
    """Push a daily forecast (municipal consultation, a model run): it is evaluated at once."""

    permission_classes = [FeedsPermission]
    manage_only = True
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        request=ForecastInputSerializer,
        responses={201: ForecastCreatedSerializer},
        examples=[
            OpenApiExample(
                "Daily AQI",
                value={
                    "source": "市气象台会商", "issued_at": "2026-01-10T16:00:00+08:00",
                    "days": [{"date": "2026-01-11", "aqi": 160}, {"date": "2026-01-12", "aqi": 175}],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Daily concentrations",
                value={
                    "source": "model", "issued_at": "2026-01-10T16:00:00+08:00",
                    "days": [{"date": "2026-01-11", "pm2_5": 130, "pm10": 180, "o3_8h": 40, "no2": 60, "so2": 10, "co": 1.4}],
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        """Store the forecast and answer with its evaluation and the proposal it calls for. 400: nothing stored."""
        data = ForecastInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _submit(request, data.validated_data)


class ForecastCsvView(APIView):
    """The same as ``POST /api/forecasts/`` from a CSV file (``date,aqi`` or date + six pollutant columns)."""

    permission_classes = [FeedsPermission]
    manage_only = True
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ForecastCsvSerializer, responses={201: ForecastCreatedSerializer})
    def post(self, request):
        upload = ForecastCsvSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.to_forecast_input()
        data.is_valid(raise_exception=True)
        return _submit(request, data.validated_data)


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ProposalKind.choices)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)

    class Meta:
        model = Proposal
        fields = ["status", "kind", "level"]


class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Warnings (or lifts) the feeds propose. People decide: dismiss here, or act on the proposals page."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    permission_classes = [FeedsPermission]
    queryset = Proposal.objects.select_related("forecast", "decided_by").order_by("-created_at", "-id")

    @extend_schema(request=DismissSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss an open proposal (office). 409 if it was already accepted."""
        data = DismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_dismiss(proposal=self.get_object(), actor=request.user, reason=data.validated_data["reason"])
        return Response(ProposalSerializer(proposal).data)


class AqiView(APIView):
    """China's AQI (HJ 633) from daily concentrations. Public."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[AqiQuerySerializer], responses={200: AqiResultSerializer})
    def get(self, request):
        """Daily AQI, category and primary pollutants; CO in mg/m³, the others µg/m³, O3 as the max 8-hour mean."""
        query = AqiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        standard = data.pop("standard", None) or aqi.DEFAULT_STANDARD
        return Response(aqi.daily_aqi(data, standard).to_dict())
