from django.contrib import admin

from routines.models import Occurrence, Routine


class ReadOnly(admin.ModelAdmin):
    """Read-only here: the office schedules and records on the standing duties page, through the audited services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Routine)
class RoutineAdmin(ReadOnly):
    list_display = ["title", "kind", "frequency", "first_due", "active"]


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnly):
    list_display = ["routine", "due_on", "status", "done_at", "done_by"]
    list_filter = ["status"]
