"""Reporting API: the response days and the units' daily reports. Each action calls one service."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response as ApiResponse

from reports import bulletins, services, summaries
from reports.api.serializers import (
    BulletinDraftSerializer,
    BulletinEditSerializer,
    BulletinSerializer,
    CityReportCreateSerializer,
    CityReportSerializer,
    DailyReportSerializer,
    DailyReportSubmitSerializer,
    ReportDaySerializer,
    UnitSummarySerializer,
    UnitSummarySubmitSerializer,
)
from reports.choices import DayStatus, ReportStatus
from reports.models import Bulletin, CityReport, DailyReport, ReportDay, UnitSummary
from reports.permissions import may_follow_reports
from reports.selectors import (
    bulletins_visible_to,
    city_reports_visible_to,
    daily_reports_visible_to,
    report_days_visible_to,
    summaries_visible_to,
)


class CommandOnly(BasePermission):
    """Bulletins and reports to the city: the command reads them (403 for anyone else); the services decide writes."""

    def has_permission(self, request, view):
        return may_follow_reports(request.user)


class ReportDayFilter(django_filters.FilterSet):
    response = django_filters.NumberFilter(field_name="response_id")
    status = django_filters.ChoiceFilter(choices=DayStatus.choices)
    day = django_filters.DateFilter(field_name="day")

    class Meta:
        model = ReportDay
        fields = ["response", "status", "day"]


class ReportDayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Response days (每日报送): how many units have and have not reported. The office closes a day."""

    serializer_class = ReportDaySerializer
    filterset_class = ReportDayFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportDay.objects.none()
        return report_days_visible_to(self.request.user)

    @extend_schema(request=None, responses=ReportDaySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        request.data  # noqa: B018  (a malformed or too deep body is a 400 before the lookup's 404)
        day = services.report_day_close(report_day=self.get_object(), actor=request.user)
        return ApiResponse(ReportDaySerializer(self.get_queryset().get(pk=day.pk)).data)


class DailyReportFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="unit__code")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    day = django_filters.DateFilter(field_name="report_day__day")
    report_day = django_filters.NumberFilter(field_name="report_day_id")
    response = django_filters.NumberFilter(field_name="report_day__response_id")

    class Meta:
        model = DailyReport
        fields = ["unit", "status", "day", "report_day", "response"]


class DailyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Daily reports. A unit member sees and submits their own unit's; the command sees every unit's."""

    serializer_class = DailyReportSerializer
    filterset_class = DailyReportFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DailyReport.objects.none()
        return daily_reports_visible_to(self.request.user)

    @extend_schema(request=DailyReportSubmitSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = DailyReportSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.daily_report_submit(report=self.get_object(), actor=request.user, **data.validated_data)
        return ApiResponse(DailyReportSerializer(self.get_queryset().get(pk=report.pk)).data)


class BulletinViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The office's bulletins (应急工作简报): drafted from a day, edited, issued with the year's next number."""

    serializer_class = BulletinSerializer
    filterset_fields = ["status", "year", "response"]
    permission_classes = [CommandOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bulletin.objects.none()
        return bulletins_visible_to(self.request.user).defer("docx")

    @extend_schema(request=BulletinDraftSerializer, responses={201: BulletinSerializer})
    def create(self, request):
        data = BulletinDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report_day = report_days_visible_to(request.user).filter(pk=data.validated_data["report_day"]).first()
        if report_day is None:  # a reference in the body: a bad request, not a missing resource
            raise ValidationError({"report_day": [_("No such report day.")]})
        bulletin = bulletins.bulletin_draft(report_day=report_day, actor=request.user)
        return ApiResponse(BulletinSerializer(bulletin).data, status=201)

    @extend_schema(request=BulletinEditSerializer, responses=BulletinSerializer)
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        data = BulletinEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bulletin = bulletins.bulletin_edit(bulletin=self.get_object(), actor=request.user, **data.validated_data)
        return ApiResponse(BulletinSerializer(bulletin).data)

    @extend_schema(request=None, responses=BulletinSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        request.data  # noqa: B018  (a malformed or too deep body is a 400 before the lookup's 404)
        bulletin = bulletins.bulletin_issue(bulletin=self.get_object(), actor=request.user)
        return ApiResponse(BulletinSerializer(bulletin).data)


class CityReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports sent up to the city: recipient, time, number, content, and the deadline met or missed."""

    serializer_class = CityReportSerializer
    filterset_fields = ["bulletin"]
    permission_classes = [CommandOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CityReport.objects.none()
        return city_reports_visible_to(self.request.user).defer("file")

    @extend_schema(request=CityReportCreateSerializer, responses={201: CityReportSerializer})
    def create(self, request):
        data = CityReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        bulletin = bulletins_visible_to(request.user).filter(pk=values.pop("bulletin")).first()
        if bulletin is None:
            raise ValidationError({"bulletin": [_("No such bulletin.")]})
        record = bulletins.city_report_record(actor=request.user, bulletin=bulletin, **values)
        return ApiResponse(CityReportSerializer(record).data, status=201)


class UnitSummaryFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="unit__code")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    response = django_filters.NumberFilter(field_name="response_id")

    class Meta:
        model = UnitSummary
        fields = ["unit", "status", "response"]


class UnitSummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Each unit's summary of a response (总结评估), due N working days after it ended. Members submit their own."""

    serializer_class = UnitSummarySerializer
    filterset_class = UnitSummaryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UnitSummary.objects.none()
        return summaries_visible_to(self.request.user)

    @extend_schema(request=UnitSummarySubmitSerializer, responses=UnitSummarySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = UnitSummarySubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = summaries.unit_summary_submit(summary=self.get_object(), actor=request.user, **data.validated_data)
        return ApiResponse(UnitSummarySerializer(self.get_queryset().get(pk=summary.pk)).data)
