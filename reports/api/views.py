"""Reporting API: the response days and the units' daily reports. Each action calls one service."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from reports import services
from reports.api.serializers import DailyReportSerializer, DailyReportSubmitSerializer, ReportDaySerializer
from reports.choices import DayStatus, ReportStatus
from reports.models import DailyReport, ReportDay
from reports.selectors import daily_reports_visible_to, report_days_visible_to


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
