from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from units.models import Duty, Unit, User

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
