from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from units.models import Contact, Duty, Unit, User
from units.services import (
    contact_delete,
    contact_save,
    unit_duty_phone_set,
    user_access,
    user_access_changed,
    user_deactivate,
    user_deactivated,
    user_login_unlock,
)

admin.site.site_header = _("Heavy Air Pollution Emergency Command · Roster admin")
admin.site.site_title = _("Roster admin")


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0
    fields = ["order", "text"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["order", "name", "position", "phone", "note"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "duty_phone", "active", "order"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "name_en", "code"]
    list_editable = ["duty_phone", "active", "order"]
    inlines = [DutyInline, ContactInline]

    def save_model(self, request, obj, form, change):
        """The duty phone goes through ``unit_duty_phone_set`` (normalised, audited); the rest as before."""
        phone = obj.duty_phone
        with transaction.atomic():
            if not change or "duty_phone" in form.changed_data:
                obj.duty_phone = form.initial.get("duty_phone", "") if change else ""
                super().save_model(request, obj, form, change)
                obj.duty_phone = unit_duty_phone_set(actor=request.user, unit=obj, phone=phone).duty_phone
            else:
                super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Contact people are written by ``contact_save`` / ``contact_delete`` (audited); duties as before."""
        if formset.model is not Contact:
            return super().save_formset(request, form, formset, change)
        with transaction.atomic():
            formset.save(commit=False)  # sorts the forms into deleted / changed / new; saves nothing
            for contact in formset.deleted_objects:
                contact_delete(actor=request.user, contact=contact)
            for inline_form in formset.forms:
                if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                    continue
                data = inline_form.cleaned_data
                contact_save(
                    actor=request.user, unit=form.instance, contact=inline_form.instance if inline_form.instance.pk else None,
                    name=data["name"], phone=data["phone"], position=data.get("position", ""),
                    note=data.get("note", ""), order=data.get("order") or 0,
                )


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
    actions = ["deactivate_users", "unlock_logins"]

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

    @admin.action(description=_("Unlock sign-in: forget the failed sign-ins of the selected users"), permissions=["change"])
    def unlock_logins(self, request, queryset):
        users = list(queryset)
        for user in users:
            user_login_unlock(user=user, actor=request.user)
        count = len(users)
        self.message_user(
            request,
            ngettext("%(count)d user unlocked.", "%(count)d users unlocked.", count) % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        """Unticking "active" in the form deactivates through the same hook as the action."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        # The row as it was, to compare once the groups are saved too (save_related).
        obj._access_before = user_access(obj) if change and not deactivating else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if deactivating:
                user_deactivated(user=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        """A new unit or role (groups, superuser) from the change form revokes the person's sessions,
        sockets and token (issue 12 item 5).

        Compared here, old row against new, rather than field by field from ``changed_data``: the
        role is the groups (saved only now, after save_model) and the superuser flag together, and a
        comparison of what the person is granted catches any way the form can change it. Runs in the
        admin's transaction, so the revocation commits with the change.
        """
        super().save_related(request, form, formsets, change)
        before = getattr(form.instance, "_access_before", None)
        if before is not None:
            user_access_changed(user=form.instance, before=before, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        """The admin's password form: the same comparison, so a new password ends the sessions, closes
        the sockets and revokes the token. An admin changing their own password keeps this session
        (Django's ``update_session_auth_hash`` moves it to the new hash); every other one ends."""
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user_access(user) if user is not None else None
            answer = super().user_change_password(request, id, form_url)
            if before is not None:
                keep = request.session.session_key if user.pk == request.user.pk else None
                user_access_changed(user=user, before=before, actor=request.user, keep_session=keep)
        return answer
