from django.contrib import admin

from events.services import audit_record
from reports.models import Bulletin, CityReport, DailyReport, FigureField, ReportDay, UnitSummary
from reports.permissions import may_edit_figures


@admin.register(FigureField)
class FigureFieldAdmin(admin.ModelAdmin):
    """The figures each kind of unit reports each day: data the roster admin edits (issue 17 item 1)."""

    list_display = ["unit_kind", "order", "key", "label", "label_en", "active"]
    list_filter = ["unit_kind", "active"]
    list_editable = ["order", "label", "label_en", "active"]

    def has_module_permission(self, request):
        return may_edit_figures(request.user)

    def has_view_permission(self, request, obj=None):
        return may_edit_figures(request.user)

    def has_add_permission(self, request):
        return may_edit_figures(request.user)

    def has_change_permission(self, request, obj=None):
        return may_edit_figures(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # a retired figure is made inactive: past reports keep its key

    def save_model(self, request, obj, form, change):
        # The admin's change view runs in one transaction: the row and its audit entry commit together.
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="figure_field_change" if change else "figure_field_add", target=obj,
                     data={"unit_kind": obj.unit_kind, "key": obj.key, "label": obj.label, "active": obj.active})


class ReadOnly(admin.ModelAdmin):
    """Read-only here: every change goes through the audited services (pages and API)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportDay)
class ReportDayAdmin(ReadOnly):
    list_display = ["day", "response", "deadline", "status", "closed_at"]


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnly):
    list_display = ["report_day", "unit", "status", "first_submitted_at", "revisions"]
    list_filter = ["status"]


@admin.register(Bulletin)
class BulletinAdmin(ReadOnly):
    list_display = ["year", "number", "day", "title", "status", "issued_at"]
    exclude = ["docx"]


@admin.register(CityReport)
class CityReportAdmin(ReadOnly):
    list_display = ["sent_at", "number", "recipient", "deadline"]
    exclude = ["file"]


@admin.register(UnitSummary)
class UnitSummaryAdmin(ReadOnly):
    list_display = ["response", "unit", "due_on", "status", "first_submitted_at"]
    list_filter = ["status"]
