from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from foundation.display import localized
from units.choices import Role
from units.models import Contact, Duty, Unit, User
from units.permissions import may_set_role
from units.roles import role_of
from units.services import (
    contact_delete,
    contact_save,
    unit_duty_phone_set,
    user_access,
    user_access_changed,
    user_deactivate,
    user_deactivated,
    user_login_unlock,
    user_role_set,
)

admin.site.site_header = _("Heavy Air Pollution Emergency Command · Roster admin")
admin.site.site_title = _("Roster admin")


def next_duty_order(unit_id, taken=()) -> int:
    """The next free duty order of a unit: one past the highest stored or ``taken`` (issue 14 item 13)."""
    orders = set(taken)
    if unit_id:
        orders.update(Duty.objects.filter(unit_id=unit_id).values_list("order", flat=True))
    return max(orders, default=-1) + 1


class DutyForm(forms.ModelForm):
    """A duty whose order may be left empty: it then takes the unit's next free order.

    The order used to default to 0, so adding a duty to a unit that had one failed with Django's
    "请修改order的重复数据" (an English field name inside Chinese text), and nothing said what to do."""

    class Meta:
        model = Duty
        fields = ["unit", "order", "text", "text_en"]
        help_texts = {"order": _("Leave empty to put the duty after the unit's others.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        if not self.instance.pk:
            self.initial.pop("order", None)
            self.fields["order"].initial = None

    def clean(self):
        data = super().clean()
        unit = data.get("unit") or (self.instance.unit if self.instance.unit_id else None)
        # On the unit's page (an inline form, with a prefix) the formset numbers the new duties together.
        if data.get("order") is None and unit is not None and self.prefix is None:
            data["order"] = next_duty_order(unit.pk)
            self.instance.order = data["order"]
        return data


class DutyInlineFormSet(forms.BaseInlineFormSet):
    """New duties with no order take the next free ones, in the order they were typed; a duplicate order
    typed by hand is named in the reader's language ("排序" / "order"), not by the field's code name."""

    def clean(self):
        taken = {f.cleaned_data.get("order") for f in self.forms if getattr(f, "cleaned_data", None)
                 and f not in self.deleted_forms and f.cleaned_data.get("order") is not None}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form in self.deleted_forms or not form.has_changed() or data.get("order") is not None:
                continue
            order = next_duty_order(self.instance.pk, taken)
            data["order"] = form.instance.order = order
            taken.add(order)
        super().clean()

    def get_unique_error_message(self, unique_check):
        names = [str(self.model._meta.get_field(name).verbose_name) for name in unique_check if name != self.fk.name]
        return _("Two duties of this unit have the same %(field)s: give each its own, or leave it empty.") % {
            "field": "、".join(names) if not names or not names[0].isascii() else ", ".join(names)
        }


class DutyInline(admin.TabularInline):
    model = Duty
    form = DutyForm
    formset = DutyInlineFormSet
    extra = 0
    fields = ["order", "text", "text_en", "tasks"]
    readonly_fields = ["tasks"]

    @admin.display(description=_("Tasks derived from it"))
    def tasks(self, duty):
        return duty_tasks_summary(duty)


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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Each field names itself (``aria-label``): the list's editable columns have no label of their own."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and getattr(db_field, "verbose_name", None):
            field.widget.attrs.setdefault("aria-label", str(db_field.verbose_name))
        return field

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


def duty_tasks_summary(duty) -> str:
    """"3 task templates (Level III, Level II)" with a link to the duty's page, or what to do when there are none."""
    if not duty or not duty.pk:
        return _("Save the duty, then add the task templates derived from it.")
    templates = list(duty.task_templates.all())
    if not templates:
        url = reverse("admin:units_duty_change", args=[duty.pk])
        return format_html('<a href="{}">{}</a>', url, _("No task yet: add one"))
    url = reverse("admin:units_duty_change", args=[duty.pk])
    return format_html('<a href="{}">{}</a>', url, ngettext("%(n)d task template", "%(n)d task templates", len(templates)) % {"n": len(templates)})


@admin.register(Duty)
class DutyAdmin(SimpleHistoryAdmin):
    """A duty's page shows the task templates derived from it, per level, with links to add one (issue 14
    item 13): adding a duty alone hands no unit a task, since tasks come from the templates."""

    form = DutyForm
    list_display = ["unit", "order", "text", "task_count"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["text", "text_en", "unit__name", "unit__name_en"]
    readonly_fields = ["derived_templates"]
    fields = ["unit", "order", "text", "text_en", "derived_templates"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit").prefetch_related("task_templates")

    @admin.display(description=_("Tasks derived from it"))
    def task_count(self, duty):
        return len(duty.task_templates.all())

    @admin.display(description=_("Task templates derived from this duty"))
    def derived_templates(self, duty):
        """Per level (and after the response), each template with a link, and a link to add one for the level."""
        if not duty.pk:
            return _("Save the duty first; then add the task templates that carry it out at each level.")
        from django.apps import apps

        TaskTemplate = apps.get_model("responses", "TaskTemplate")  # noqa: N806  (units does not import responses)
        Level = TaskTemplate._meta.get_field("level")  # noqa: N806
        Stage = TaskTemplate._meta.get_field("stage")  # noqa: N806
        templates = list(duty.task_templates.order_by("stage", "level", "order"))
        add = reverse("admin:responses_tasktemplate_add")
        rows = []
        columns = [(("response", value), label) for value, label in Level.choices if value] + [
            (("closing", ""), dict(Stage.choices).get("closing"))
        ]
        for (stage, level), label in columns:
            mine = [t for t in templates if t.stage == stage and (t.level == level or stage == "closing")]
            items = format_html_join(
                "", '<li><a href="{}">{}</a>{}{}</li>',
                ((reverse("admin:responses_tasktemplate_change", args=[t.pk]), localized(t, "title"),
                  format_html(" ({})", _("repeats every %(minutes)s min") % {"minutes": t.repeat_minutes})
                  if t.repeat_minutes else "",
                  "" if t.active else format_html(" ({})", _("inactive"))) for t in mine),
            )
            link = f"{add}?unit={duty.unit_id}&duty={duty.pk}&stage={stage}" + (f"&level={level}" if level else "")
            rows.append(format_html(
                "<tr><th>{}</th><td><ul>{}</ul>{}</td></tr>", label, items or format_html("<em>{}</em>", _("none")),
                format_html('<a class="addlink" href="{}">{}</a>', link, _("Add a task template for this level")),
            ))
        note = _("Units get tasks from task templates, not from the duty text: a duty with no template gives no task.")
        return format_html('<p class="help">{}</p><table class="duty-templates">{}</table>', note, format_html_join("", "{}", ((r,) for r in rows)))


class RoleFormMixin(forms.Form):
    """The account's one role, instead of Django's superuser flag, groups and per-user permissions.

    Authority comes from the role alone (``units.permissions``); the admin site never shows or
    accepts ``is_superuser``, ``is_staff``, ``groups`` or ``user_permissions``, and a role change
    goes through ``units.services.user_role_set`` (audited, shown to the leaders).
    """

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.UNIT and not cleaned.get("unit"):
            self.add_error("unit", _("A member unit's account needs its unit."))
        return cleaned


class AccountChangeForm(RoleFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["username", "password", "first_name", "last_name", "email", "is_active", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["role"].initial = role_of(self.instance)


class AccountCreationForm(RoleFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "unit"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    """Accounts: the roster admin edits other people's accounts and roles, never their own power."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "unit", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "unit__kind"]
    search_fields = ["username", "email", "unit__name"]
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role and unit"), {"fields": ["role", "unit", "is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2", "role", "unit"]}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate_users", "unlock_logins"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None or may_set_role(request.user, obj):
            return form

        class OwnAccountForm(form):
            """One's own account: the role (and with it every power) is not theirs to change, nor is
            switching themselves off. Per instance: the class's fields are shared by every form."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for name in ("role", "is_active"):
                    self.fields[name].disabled = True
                self.fields["role"].help_text = _("Nobody changes their own role: ask another roster admin.")

        return OwnAccountForm

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Looking at an account's old version is fine; reverting to it would bypass ``user_role_set``."""
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

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
        """Unticking "active" in the form deactivates through the same hook as the action; a new or
        changed role goes through ``user_role_set`` (audited, shown to the leaders; it refuses one's own
        account). The sessions follow in ``save_related``, which compares the whole access."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        role = form.cleaned_data.get("role")
        # The row as it was, to compare once everything is saved (save_related).
        obj._access_before = user_access(obj) if change and not deactivating else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if deactivating:
                user_deactivated(user=obj, actor=request.user)
            if role and (not change or "role" in form.changed_data):
                user_role_set(user=obj, role=role, actor=request.user, revoke=False)

    def save_related(self, request, form, formsets, change):
        """A new unit or role from the change form revokes the person's sessions, sockets and token
        (issue 12 item 5): old row against new, in the admin's transaction, so the revocation commits
        with the change."""
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
