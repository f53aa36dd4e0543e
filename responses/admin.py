from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from responses.models import TaskTemplate


@admin.register(TaskTemplate)
class TaskTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "level", "stage", "title", "report_required", "ack_minutes", "repeat_minutes", "active"]
    list_filter = ["level", "stage", "active", "unit__kind"]
    search_fields = ["title", "instructions", "unit__name", "key"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["duty"]
