"""Admin of the emission-reduction list: every save and delete goes through ``reductions.services`` (audit + history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reductions.forms import MeasureForm
from reductions.models import EmissionInventory, Enterprise, Inspection, Inspector, ListVersion, Measure, Site
from reductions.services import inspector_save, list_entry_delete, list_entry_save


class MeasureInline(admin.TabularInline):
    model = Measure
    form = MeasureForm
    extra = 0
    fields = ["level", "order", "text", "causes", "pm", "so2", "nox", "vocs"]


class ServiceAdmin(SimpleHistoryAdmin):
    """Saves and deletes through the services, which check ``reductions.manage_list`` and write the audit entry."""

    def save_model(self, request, obj, form, change):
        list_entry_save(actor=request.user, instance=obj, changed=list(form.changed_data))

    def delete_model(self, request, obj):
        list_entry_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            list_entry_delete(actor=request.user, instance=obj)

    def save_formset(self, request, form, formset, change):
        for measure in formset.save(commit=False):
            list_entry_save(actor=request.user, instance=measure)
        for measure in formset.deleted_objects:
            list_entry_delete(actor=request.user, instance=measure)


class EntryAdmin(ServiceAdmin):
    inlines = [MeasureInline]
    list_select_related = ["town", "supervisor", "version"]
    autocomplete_fields = ["town", "supervisor"]


@admin.register(Enterprise)
class EnterpriseAdmin(EntryAdmin):
    list_display = ["name", "credit_code", "industry", "town", "supervisor", "grade", "livelihood", "version"]
    list_filter = ["version", "grade", "livelihood", "town", "supervisor"]
    search_fields = ["name", "credit_code", "industry"]


@admin.register(Site)
class SiteAdmin(EntryAdmin):
    list_display = ["ref", "project", "builder", "kind", "town", "supervisor", "version"]
    list_filter = ["version", "kind", "town", "supervisor"]
    search_fields = ["ref", "project", "builder"]


@admin.register(ListVersion)
class ListVersionAdmin(ServiceAdmin):
    list_display = ["year", "title", "sample"]


@admin.register(EmissionInventory)
class EmissionInventoryAdmin(ServiceAdmin):
    """The district's totals from its emission inventory (t/yr) and the target shares per level."""

    list_display = ["version", "pm", "so2", "nox", "vocs", "yellow_pct", "orange_pct", "red_pct", "source"]


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    """The roster admin names the unit members who inspect (督查员); every grant or change is audited."""

    list_display = ["user", "active", "note"]
    list_filter = ["active"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        inspector_save(actor=request.user, inspector=obj)

    def delete_model(self, request, obj):
        obj.active = False  # a grant is ended, never erased: the inspections name their inspector
        inspector_save(actor=request.user, inspector=obj)


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Read-only here: inspections are recorded on the inspector's page and the API (``inspections.inspection_record``)."""

    list_display = ["inspected_at", "enterprise", "site", "town", "result", "status", "rectify_by", "inspector"]
    list_filter = ["result", "status"]
    list_select_related = ["enterprise", "site", "town", "inspector"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
