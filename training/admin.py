from django.contrib import admin

from training.models import TrainingAttachment, TrainingRecord


class AttachmentInline(admin.TabularInline):
    model = TrainingAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    """Read-only here: records are added on the register page, through the audited service."""

    list_display = ["date", "kind", "title", "alert"]
    list_filter = ["kind"]
    search_fields = ["title", "practised"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
