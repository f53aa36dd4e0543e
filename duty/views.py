"""The on-duty roster page: who is on duty now and the shifts around it; the office adds and removes shifts."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duty import services
from duty.forms import ShiftForm
from duty.models import Shift
from duty.permissions import may_edit_duty, may_view_duty
from duty.selectors import shift_current, shifts_between


@login_required
def roster(request):
    """Shifts from a week ago to two weeks ahead, the one in force marked; the office's form to add one."""
    if not may_view_duty(request.user):
        raise PermissionDenied
    may_edit = may_edit_duty(request.user)
    form = ShiftForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.shift_create(actor=request.user, **{k: data[k] for k in form.Meta.fields})
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Shift added."))
                return redirect("duty:roster")
    now = timezone.now()
    shifts = shifts_between(now - datetime.timedelta(days=7), now + datetime.timedelta(days=14))
    return render(request, "duty/roster.html", {
        "shifts": shifts, "current": shift_current(now), "now": now, "form": form, "may_edit": may_edit,
    })


@login_required
@require_POST
def shift_remove(request, pk: int):
    """Remove a shift (office, roster admin)."""
    if not may_edit_duty(request.user):
        raise PermissionDenied
    services.shift_delete(actor=request.user, shift=get_object_or_404(Shift, pk=pk))
    messages.success(request, _("Shift removed."))
    return redirect("duty:roster")
