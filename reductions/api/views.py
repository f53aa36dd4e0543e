"""Emission-reduction list API: enterprises, sites (read-only, scoped to the user) and the targets for the command."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from reductions import selectors
from reductions.api.serializers import EnterpriseSerializer, SiteSerializer, TargetsQuerySerializer, TargetsSerializer
from reductions.choices import Grade, SiteKind
from reductions.models import Enterprise, Measure, Site
from reductions.permissions import ListPermission, may_see_targets
from responses.models import Response


class _ListFilter(django_filters.FilterSet):
    """Filters shared by enterprises and sites: year (default: the list in force), town, unit, response."""

    year = django_filters.NumberFilter(method="filter_year", help_text="The list's year; default the list in force.")
    town = django_filters.CharFilter(field_name="town__code", help_text="Roster code of the town, street or park.")
    unit = django_filters.CharFilter(field_name="supervisor__code", help_text="Roster code of the supervising unit.")
    response = django_filters.NumberFilter(
        method="filter_response",
        help_text="A response id: the entries with measures at its level, in the list of the year it started.",
    )

    def filter_year(self, queryset, name, value):
        return queryset  # applied in ``filter_queryset`` so that the default applies when it is absent

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("response") is not None:
            return queryset  # the response names its list
        year = self.form.cleaned_data.get("year")
        version = selectors.version_current(int(year) if year is not None else None)
        return queryset.filter(version=version) if version is not None else queryset.none()

    def filter_response(self, queryset, name, value):
        response = Response.objects.select_related("alert").filter(pk=value).first()
        if response is None:
            return queryset.none()
        version = selectors.version_for(response.started_at)
        return queryset.filter(version=version, measures__level=response.alert.level).distinct()


class EnterpriseFilter(_ListFilter):
    grade = django_filters.ChoiceFilter(choices=Grade.choices)

    class Meta:
        model = Enterprise
        fields = ["year", "town", "unit", "grade", "response"]


class SiteFilter(_ListFilter):
    kind = django_filters.ChoiceFilter(choices=SiteKind.choices)

    class Meta:
        model = Site
        fields = ["year", "town", "unit", "kind", "response"]


_MEASURES = Prefetch("measures", queryset=Measure.objects.order_by("level", "order"))


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """Enterprises of the list with their measures per level. A unit member sees what it supervises or what lies in its town."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    permission_classes = [ListPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise.objects.none()
        return selectors.enterprises_visible_to(self.request.user).prefetch_related(_MEASURES).order_by("town__order", "name", "id")


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Construction and dust sites of the list with their measures per level, scoped like enterprises."""

    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    permission_classes = [ListPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Site.objects.none()
        return selectors.sites_visible_to(self.request.user).prefetch_related(_MEASURES).order_by("town__order", "ref", "id")


class TargetsView(APIView):
    """For each level and pollutant: the district total, what the target asks, what the list cuts, and who cuts most."""

    permission_classes = [ListPermission]

    @extend_schema(parameters=[OpenApiParameter("year", int, required=False)], responses=TargetsSerializer)
    def get(self, request):
        if not may_see_targets(request.user):
            raise PermissionDenied()
        query = TargetsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = selectors.version_current(query.validated_data.get("year"))
        levels = selectors.target_progress(version)
        body = {"year": version.year if version else None, "levels": levels}
        return ApiResponse(TargetsSerializer(body).data)
