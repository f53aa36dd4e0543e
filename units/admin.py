from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from units.models import Duty, Unit, User
from units.services import user_deactivate, user_deactivated

admin.site.site_header = _("Heavy Air Pollution Emergency Command · Roster admin")
admin.site.site_title = _("Roster admin")


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0
    fields = ["order", "text"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "duty_phone", "active", "order"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "name_en", "code"]
    list_editable = ["duty_phone", "active", "order"]
    inlines = [DutyInline]


@admin.register(Duty)
class DutyAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "order", "text"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["text", "unit__name"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "unit", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "unit__kind"]
    search_fields = ["username", "email", "unit__name"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Unit"), {"fields": ["unit"]}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Unit"), {"fields": ["unit"]}),)
    actions = ["deactivate_users"]

    @admin.action(description=_("Deactivate the selected users and end their sessions"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        users = [user for user in queryset if user.is_active and user.pk != request.user.pk]
        for user in users:
            user_deactivate(user=user, actor=request.user)
        count = len(users)
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count) % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        """Unticking "active" in the form deactivates through the same hook as the action."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if deactivating:
                user_deactivated(user=obj, actor=request.user)
