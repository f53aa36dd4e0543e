"""Warning pages for the office and the leaders. Thin: reads through selectors, every write through one service.

Errors map the same way as in the API: a service's ValidationError goes back into the
form, PermissionDenied is a 403, and ActionRefused (the warning moved on meanwhile, or
the transition is not allowed) is shown as an error message, never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts import permissions, services
from alerts.basis import basis_of, basis_options_lazy, basis_parse, basis_resolve
from alerts.choices import Cause, Level, Status
from alerts.forms import AlertCreateForm, AlertFilterForm, ApproveForm, CommentForm, LiftForm, RejectForm
from alerts.models import Alert
from alerts.permissions import Effect
from alerts.responders import responder
from alerts.selectors import (
    alert_history,
    alert_in_force,
    alerts_pending_approval,
    alerts_visible_to,
    approval_preview,
    with_previews,
)
from foundation.errors import ActionRefused
from foundation.display import local_time
from foundation.pagination import page_of
from foundation.urls import pk_url
from units.permissions import asks

PAGE_SIZE = 25


def _back(request, alert):
    """Where an action returns to: the page it came from when that is on this site, else the warning."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("alerts:detail", pk=alert.pk)


def _get_alert(request, pk):
    return get_object_or_404(alerts_visible_to(request.user), pk=pk)


@login_required
@asks(permissions.may_see_every_alert)
def alert_list(request):
    """Warning history, newest first, with filters."""
    form = AlertFilterForm(request.GET or None)
    # The list shows no one's name: none of the selector's people are joined or fetched for it (a page of
    # lifted warnings fetched their lifters in one more query, for nothing).
    alerts = alerts_visible_to(request.user).select_related(None).prefetch_related(None)
    alerts = form.filter(alerts).order_by("-created_at", "-id")
    page = page_of(request, alerts, PAGE_SIZE)
    return render(request, "alerts/list.html", {"form": form, "page": page, "alerts": _list_rows(page.object_list)})


def _list_rows(alerts) -> list:
    """The page's warnings with what each row shows worked out once per page: the choices' labels translated
    once, the link reversed once (``foundation.urls.pk_url``), the times formatted (issue 13 §4: the page of 25
    rows cost twice the page of one, almost all of it in the template)."""
    level, status = (
        {value: str(label) for value, label in Alert._meta.get_field(name).flatchoices} for name in ("level", "status")
    )
    detail = pk_url("alerts:detail")
    rows = list(alerts)
    for a in rows:
        a.level_label, a.status_label, a.url = level.get(a.level, a.level), status.get(a.status, a.status), detail(a.pk)
        a.issued_text, a.lifted_text = local_time(a.issued_at) or "—", local_time(a.lifted_at) or "—"
    return rows


@login_required
def alert_new(request):
    """The office issues yellow at once and proposes orange/red; a leader issues any level at once."""
    if not permissions.may_create(request.user):
        raise PermissionDenied
    leader = permissions.may_decide(request.user)
    status = 200
    if request.method == "POST":
        form = AlertCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                alert = services.alert_create(
                    actor=request.user,
                    level=data["level"],
                    reason=data["reason"],
                    basis=data["basis"],
                    drill=data["drill"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    cause=data["cause"],
                    tasks_override_reason=data["tasks_override_reason"],
                    confirm_downgrade=data["confirm_downgrade"],
                    basis_kind=data["basis_kind"],
                    basis_ref=data["basis_ref"],
                    below_city_reason=data["below_city_reason"],
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            except PermissionDenied as exc:
                form.add_error("tasks_override_reason", str(exc))
                status = 403
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if alert.status == Status.PENDING_APPROVAL:
                    messages.success(request, _("The proposal went to the headquarters leaders for approval."))
                else:
                    messages.success(request, _("The warning is issued and the response has started."))
                return redirect("alerts:detail", pk=alert.pk)
    else:
        form = AlertCreateForm(initial=_initial_from_basis(request.GET.get("basis", "")))
    # What each level does for this user now, asked as the service will ask it.
    in_force = alert_in_force()
    in_force_level = in_force.level if in_force else None
    hints = {}
    for level in Level.values:
        if permissions.create_outcome(request.user, level, in_force_level) == Status.PENDING_APPROVAL:
            hints[level] = _("goes to the leaders")
        elif permissions.change_effect(level, in_force_level) == Effect.DOWNGRADE:
            hints[level] = _("lowers the warning in force: confirm the downgrade")
        elif not leader:
            hints[level] = _("issued at once")
    context = {"form": form, "leader": leader, "in_force": in_force, "hints": hints}
    return render(request, "alerts/new.html", context, status=status)


def _initial_from_basis(value: str) -> dict:
    """The new-warning form filled from the record it will rest on (``?basis=consultation:12``, the link on a
    consultation's page): its level, cause, start and end, and the record itself; else a yellow."""
    kind, pk = basis_parse(value)
    record = basis_resolve(kind, pk)
    if record is None or not record.level:
        return {"level": Level.YELLOW}
    now = timezone.now()
    initial = {"level": record.level, "basis_ref": f"{record.kind}:{record.pk}", "basis": record.summary}
    if record.cause:
        initial["cause"] = record.cause
    if record.starts_at and record.starts_at > now:
        initial["starts_at"] = timezone.localtime(record.starts_at)
    if record.ends_at and record.ends_at > now:
        initial["ends_at"] = timezone.localtime(record.ends_at)
    return initial


@login_required
@asks(permissions.may_see_every_alert)
def alert_detail(request, pk):
    """One warning: its basis, its timeline, and the actions open to this user in its state."""
    alert = _get_alert(request, pk)
    user = request.user
    can_decide = permissions.may_decide(user) and alert.status in (Status.PENDING_APPROVAL, Status.LIFT_PENDING)
    if can_decide:
        alert.preview = approval_preview(alert)
    alert.basis_record = basis_of(alert)
    context = {
        "alert": alert,
        "causes": Cause.choices,
        "basis_options": basis_options_lazy() if can_decide else [],
        "history": alert_history(alert, reader=user),
        "responses": responder().responses_of(alert=alert, reader=user),
        "can_decide": can_decide,
        "can_lift": permissions.may_lift(user) and alert.status == Status.ISSUED,
        "lift_directly": permissions.may_lift_directly(user, alert),
        "comment_form": CommentForm(),
        "reject_form": RejectForm(),
    }
    return render(request, "alerts/detail.html", context)


@login_required
@asks(permissions.may_decide)
def alert_approvals(request):
    """The leaders' queue: proposals and lift requests awaiting a decision, oldest first, each with
    what approving it now would do."""
    return render(
        request,
        "alerts/approvals.html",
        {
            "alerts": with_previews(alerts_pending_approval()), "comment_form": CommentForm(), "reject_form": RejectForm(),
            "causes": Cause.choices, "basis_options": basis_options_lazy(),
        },
    )


@require_POST
@login_required
@asks(permissions.may_see_every_alert)
def alert_approve(request, pk):
    alert = _get_alert(request, pk)
    if not permissions.may_decide(request.user):
        raise PermissionDenied
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request, alert)
    comment = form.cleaned_data["comment"]
    # Every page that offers an approval says what it will do (level, effect time, downgrade or lift:
    # alerts/_approve_form.html) and asks for one tick; an approval without it is refused, so no click
    # alone issues an orange or a red (issue 14 item 3). The tick also confirms a downgrade or a stale
    # proposal (``approval_preview``).
    confirm = request.POST.get("confirm") == "on"
    if not confirm:
        messages.error(request, _("Nothing was approved: tick the box to confirm what the approval does."))
        return _back(request, alert)
    try:
        alert = services.alert_approve(
            alert=alert, actor=request.user, comment=comment, confirm_downgrade=confirm, confirm_stale=confirm,
            cause=form.cleaned_data["cause"], basis_kind=form.cleaned_data["basis_kind"],
            basis_ref=form.cleaned_data["basis_ref"],
            below_city_reason=form.cleaned_data["below_city_reason"],
        )
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, _message(exc))
        return _back(request, alert)
    if alert.status == Status.LIFTED:
        messages.success(request, _("The lift is approved; the warning is lifted."))
    else:
        messages.success(request, _("Approved: the warning is issued and the response has started."))
    return _back(request, alert)


@require_POST
@login_required
@asks(permissions.may_see_every_alert)
def alert_reject(request, pk):
    alert = _get_alert(request, pk)
    if not permissions.may_decide(request.user):
        raise PermissionDenied
    form = RejectForm(request.POST)
    if form.is_valid():
        was_lift_request = alert.status == Status.LIFT_PENDING
        try:
            alert = services.alert_reject(alert=alert, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason" if hasattr(exc, "error_dict") and "reason" in exc.error_dict else None, exc.messages)
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return _back(request, alert)
        else:
            if was_lift_request:
                messages.success(request, _("The lift is refused; the warning stays in force."))
            else:
                messages.success(request, _("The proposal is rejected."))
            return _back(request, alert)
    # Nothing changed: show the reason form again with what is missing.
    return render(request, "alerts/reject.html", {"alert": alert, "reject_form": form, "next": request.POST.get("next", "")})


@require_POST
@login_required
@asks(permissions.may_see_every_alert)
def alert_lift(request, pk):
    alert = _get_alert(request, pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(request, alert)
    try:
        alert = services.alert_lift(
            alert=alert, actor=request.user, reason=form.cleaned_data["comment"], lift_at=form.cleaned_data["lift_at"],
            below_city_reason=form.cleaned_data["below_city_reason"],
        )
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, _message(exc))
        return _back(request, alert)
    if alert.status == Status.LIFT_PENDING:
        messages.success(request, _("The lift request went to the headquarters leaders."))
    elif alert.status == Status.ISSUED and alert.lift_at:
        messages.success(request, _("The lift is scheduled; the warning stays in force until then."))
    else:
        messages.success(request, _("The warning is lifted and the response has ended."))
    return _back(request, alert)


def _message(exc) -> str:
    if isinstance(exc, ActionRefused):
        return exc.message
    return " ".join(exc.messages)
