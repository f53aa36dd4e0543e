from django.contrib import admin

from duty.forms import ShiftForm
from duty.models import Shift
from duty.services import shift_create, shift_delete


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    """Shifts are added and removed through the audited services; to change one, remove it and add it again."""

    list_display = ["starts_at", "ends_at", "officer", "officer_phone", "leader", "leader_phone", "note"]
    list_filter = ["officer", "leader"]
    date_hierarchy = "starts_at"
    form = ShiftForm
    fields = ["starts_at", "ends_at", "officer", "officer_phone", "leader", "leader_phone", "note"]
    actions = None  # the bulk delete would bypass the service

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        saved = shift_create(actor=request.user, starts_at=data["starts_at"], ends_at=data["ends_at"],
                             officer=data["officer"], officer_phone=data["officer_phone"], leader=data["leader"],
                             leader_phone=data["leader_phone"], note=data.get("note", ""))
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        shift_delete(actor=request.user, shift=obj)
