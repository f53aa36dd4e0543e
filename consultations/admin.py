"""Admin: read-only. Records are written on their pages and through the API, by the audited services."""

from django.contrib import admin

from consultations.models import Consultation, ConsultationAttachment, Directive


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = ConsultationAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(_ReadOnly):
    list_display = ["id", "held_at", "conclusion", "cause", "pollutant", "aqi_min", "aqi_max", "created_by"]
    list_filter = ["conclusion", "cause", "pollutant"]
    search_fields = ["experts", "meteorology", "notes"]
    inlines = [AttachmentInline]


@admin.register(Directive)
class DirectiveAdmin(_ReadOnly):
    list_display = ["document_number", "kind", "level", "issued_at", "starts_at", "region", "proposal"]
    list_filter = ["kind", "level"]
    search_fields = ["document_number", "region", "notes"]
