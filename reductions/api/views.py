"""Emission-reduction list API: enterprises, sites (read-only, scoped to the user) and the targets for the command."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from reductions import selectors
from reductions.api.serializers import (
    ChecklistItemSerializer,
    EnterpriseSerializer,
    InspectionCreateSerializer,
    InspectionSerializer,
    SiteSerializer,
    TargetsQuerySerializer,
    TargetsSerializer,
)
from reductions.checklists import checklist_item_confirm
from reductions.choices import CAUSE_FIELDS, CheckState, Grade, InspectionResult, InspectionStatus, ItemStatus, SiteKind
from reductions.inspections import inspection_record
from reductions.models import ChecklistItem, Enterprise, Inspection, Measure, Site
from reductions.permissions import InspectionPermission, ListPermission, may_see_targets
from responses.models import Response


class _ListFilter(django_filters.FilterSet):
    """Filters shared by enterprises and sites: year (default: the list in force), town, unit, response."""

    year = django_filters.NumberFilter(method="filter_year", help_text="The list's year; default the list in force.")
    town = django_filters.CharFilter(field_name="town__code", help_text="Roster code of the town, street or park.")
    unit = django_filters.CharFilter(field_name="supervisor__code", help_text="Roster code of the supervising unit.")
    response = django_filters.NumberFilter(
        method="filter_response",
        help_text="A response id: the entries with measures at its level for its warning's cause, in the list of the year it started.",
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
        measures = {"measures__level": response.alert.level}
        if not response.alert.tasks_override_reason:  # the measures its checklists hold (reductions.checklists)
            measures[f"measures__{CAUSE_FIELDS[response.alert.cause]}"] = True
        return queryset.filter(version=version, **measures).distinct()


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


# --- Checklists and inspections (issue 16 items 4 and 5) ---------------------------------------------


class ChecklistItemFilter(django_filters.FilterSet):
    response = django_filters.NumberFilter(field_name="response_id")
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices)
    check_state = django_filters.ChoiceFilter(choices=CheckState.choices)
    town = django_filters.CharFilter(field_name="town__code", help_text="Roster code of the town, street or park.")
    unit = django_filters.CharFilter(field_name="unit__code", help_text="Roster code of the supervising unit.")

    class Meta:
        model = ChecklistItem
        fields = ["response", "status", "check_state", "town", "unit"]


class ChecklistItemViewSet(viewsets.ReadOnlyModelViewSet):
    """A response's checklist items: the measures each supervising unit and town must put in place and confirm."""

    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilter
    permission_classes = [ListPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return selectors.items_visible_to(self.request.user).order_by("id")

    @extend_schema(request=None, responses=ChecklistItemSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The supervising unit or the town confirms the measure is in place (403 for others, 409 when closed)."""
        request.data  # noqa: B018  (the body is read first: a malformed one is a 400 whatever the item)
        item = checklist_item_confirm(item=self.get_object(), actor=request.user)
        return ApiResponse(ChecklistItemSerializer(selectors.items_visible_to(request.user).get(pk=item.pk)).data)


class InspectionFilter(django_filters.FilterSet):
    response = django_filters.NumberFilter(field_name="response_id")
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices)
    result = django_filters.ChoiceFilter(choices=InspectionResult.choices)
    town = django_filters.CharFilter(field_name="town__code", help_text="Roster code of the town, street or park.")
    unit = django_filters.CharFilter(field_name="unit__code", help_text="Roster code of the supervising unit.")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    site = django_filters.NumberFilter(field_name="site_id")

    class Meta:
        model = Inspection
        fields = ["response", "status", "result", "town", "unit", "enterprise", "site"]


class InspectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Inspections (督查检查) of enterprises and sites during a response. Reading is scoped like the list; recording
    needs an inspector (office staff, or a unit member the admin named one) of the enterprise's or site's unit or town."""

    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    permission_classes = [InspectionPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        return selectors.inspections_visible_to(self.request.user).order_by("-inspected_at", "-id")

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionSerializer})
    def create(self, request, *args, **kwargs):
        data = InspectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        response = Response.objects.filter(pk=values["response"]).first()
        if response is None:
            raise ValidationError({"response": _("No such response.")})
        enterprise = site = follow_up_of = None
        if values.get("enterprise") is not None:
            enterprise = Enterprise.objects.filter(pk=values["enterprise"]).first()
            if enterprise is None:
                raise ValidationError({"enterprise": _("No such enterprise.")})
        if values.get("site") is not None:
            site = Site.objects.filter(pk=values["site"]).first()
            if site is None:
                raise ValidationError({"site": _("No such site.")})
        if values.get("follow_up_of") is not None:
            follow_up_of = selectors.inspections_visible_to(request.user).filter(pk=values["follow_up_of"]).first()
            if follow_up_of is None:
                raise ValidationError({"follow_up_of": _("No such inspection.")})
        inspection = inspection_record(
            actor=request.user, response=response, enterprise=enterprise, site=site, place=values["place"],
            result=values["result"], inspected_at=values.get("inspected_at"), findings=values.get("findings", ""),
            rectification=values.get("rectification", ""), rectify_by=values.get("rectify_by"),
            follow_up_of=follow_up_of, photos=values.get("photos", []),
        )
        body = InspectionSerializer(selectors.inspections_visible_to(request.user).get(pk=inspection.pk)).data
        return ApiResponse(body, status=status.HTTP_201_CREATED)
