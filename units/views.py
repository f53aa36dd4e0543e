"""Contacts pages for the command: every unit's duty phone and contact people; the office edits them.

Thin: reads through selectors, writes through ``units.services``; a service's ValidationError
becomes a form message, its PermissionDenied a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from units.forms import ContactFormSet, DutyPhoneForm
from units.models import Contact
from units.permissions import may_edit_contacts, may_view_contacts
from units.selectors import units_with_contacts
from units.services import contact_delete, contact_save, unit_duty_phone_set


@login_required
def contacts(request):
    """The contact sheet (通讯录): each active unit, its duty phone and its contact people."""
    if not may_view_contacts(request.user):
        raise PermissionDenied
    return render(request, "units/contacts.html", {
        "units": units_with_contacts(request.user), "may_edit": may_edit_contacts(request.user),
    })


def _save(request, unit, phone_form, formset) -> None:
    """Apply one page's edits through the services, all or nothing."""
    with transaction.atomic():
        unit_duty_phone_set(actor=request.user, unit=unit, phone=phone_form.cleaned_data["duty_phone"])
        for form in formset.forms:
            if not form.has_changed():
                continue
            existing = form.instance if form.instance.pk else None
            if form in formset.deleted_forms:
                if existing is not None:
                    contact_delete(actor=request.user, contact=existing)
                continue
            data = form.cleaned_data
            contact_save(actor=request.user, unit=unit, contact=existing, name=data["name"], phone=data["phone"],
                         position=data.get("position") or "", note=data.get("note") or "", order=data.get("order") or 0)


@login_required
def unit_contacts_edit(request, pk: int):
    """Edit one unit's duty phone and contact people (office, roster admin)."""
    if not may_edit_contacts(request.user):
        raise PermissionDenied
    unit = get_object_or_404(units_with_contacts(request.user, active_only=False), pk=pk)
    queryset = Contact.objects.filter(unit=unit).order_by("order", "id")
    phone_form = DutyPhoneForm(request.POST or None, initial={"duty_phone": unit.duty_phone})
    formset = ContactFormSet(request.POST or None, queryset=queryset, prefix="contacts")
    if request.method == "POST" and phone_form.is_valid() and formset.is_valid():
        try:
            _save(request, unit, phone_form, formset)
        except ValidationError as exc:
            phone_form.add_error(None, exc)
        else:
            messages.success(request, _("Contacts of %(unit)s saved.") % {"unit": unit.name})
            return redirect("units:contacts")
    return render(request, "units/contact_edit.html", {"unit": unit, "phone_form": phone_form, "formset": formset})
