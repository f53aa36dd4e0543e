"""The standing duties page: what recurs, the next round of each and whether it is late; the office schedules
duties and records each round done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from routines import permissions, services
from routines.forms import CompleteForm, RoutineForm
from routines.selectors import occurrences_visible_to, routine_rows, routines_visible_to


@login_required
def routine_list(request):
    """The standing duties with their next rounds; the office's form to schedule one."""
    if not permissions.may_view_routines(request.user):
        raise PermissionDenied
    may_keep = permissions.may_keep_routines(request.user)
    form = RoutineForm(request.POST or None) if may_keep else None
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.routine_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Standing duty scheduled."))
                return redirect("routines:list")
    return render(request, "routines/list.html", {"rows": routine_rows(request.user), "form": form,
                                                  "complete": CompleteForm() if may_keep else None})


@login_required
def routine_detail(request, pk: int):
    """A duty and the record of every round: due, done when, by whom, what was done."""
    if not permissions.may_view_routines(request.user):
        raise PermissionDenied
    routine = get_object_or_404(routines_visible_to(request.user), pk=pk)
    rounds = occurrences_visible_to(request.user).filter(routine=routine).order_by("-due_on")
    return render(request, "routines/detail.html", {"routine": routine, "rounds": rounds})


@login_required
@require_POST
def occurrence_complete(request, pk: int):
    """The office records a round done (``services.occurrence_complete``)."""
    if not permissions.may_keep_routines(request.user):
        raise PermissionDenied
    occurrence = get_object_or_404(occurrences_visible_to(request.user), pk=pk)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("routines:list")
    try:
        services.occurrence_complete(occurrence=occurrence, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Recorded as done; the next round is scheduled."))
    return redirect("routines:list")
