import json

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from feeds.criteria import NATIONAL_CRITERIA
from feeds.forms import CriteriaProfileForm
from feeds.models import CriteriaProfile, FetchRecord, Forecast, Proposal, Station


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the platform: admins look, nobody edits here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Station)
class StationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "latitude", "longitude", "provider", "active", "fetch_minutes"]
    list_filter = ["provider", "active"]
    search_fields = ["name"]


@admin.register(CriteriaProfile)
class CriteriaProfileAdmin(SimpleHistoryAdmin):
    """Warning thresholds. Absent keys take the national values; one profile at most is active."""

    form = CriteriaProfileForm
    list_display = ["name", "active"]
    actions = ["activate"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        defaults = json.dumps(NATIONAL_CRITERIA.to_dict(), ensure_ascii=False)
        form.base_fields["params"].help_text = _("Fields of feeds.criteria.Criteria; national defaults: %(d)s") % {"d": defaults}
        return form

    @admin.action(description=_("Make the selected profile the active one"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one profile."), messages.ERROR)
            return
        profile = queryset.get()
        with transaction.atomic():
            for other in CriteriaProfile.objects.filter(active=True).exclude(pk=profile.pk):
                other.active = False
                other.save(update_fields=["active"])
            profile.active = True
            profile.save(update_fields=["active"])


@admin.register(FetchRecord)
class FetchRecordAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "source", "station", "status", "points", "error"]
    list_filter = ["status", "source"]
    date_hierarchy = "started_at"


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdmin):
    list_display = ["issued_at", "source", "provider", "standard", "created_by"]
    list_filter = ["provider"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "level", "status", "criteria", "decided_by"]
    list_filter = ["status", "kind", "level"]
