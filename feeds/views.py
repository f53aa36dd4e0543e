"""Feeds pages for the office and the leaders: proposals, manual forecast entry, feed health.

Thin: reads through selectors, every write through one service. A service's
PermissionDenied is a 403; ActionRefused (the proposal moved on meanwhile) is a message.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.basis import basis_options_lazy
from alerts.choices import Cause, Level, Status
from alerts.permissions import create_outcome, lift_outcome
from alerts.selectors import alert_in_force
from feeds import services
from feeds.charts import aqi_bar_chart
from feeds.choices import ProposalKind, ProposalSource, ProposalStatus, Provider
from feeds.daily import SIGNALS
from feeds.forms import ActForm, DismissForm, ForecastDayFormSet, ForecastForm
from feeds.models import Forecast, Proposal
from feeds.permissions import may_dismiss_proposal, may_manage_forecasts, may_view_proposals
from feeds.selectors import feed_health, proposals_open, proposals_recent
from foundation.display import pollutant_names
from foundation.errors import ActionRefused
from units.permissions import asks

WEATHER_KEYS = ("wind_ms", "rh", "blh_m", "rain_mm")


def _forecast_view(forecast: Forecast, trigger: set[str] = frozenset()) -> dict:
    """Rows (each day with its weather) and the bar chart of one forecast."""
    rows = []
    for day in forecast.days:
        weather = (forecast.weather or {}).get(day["date"], {})
        flags = weather.get("signals") or {}
        rows.append(
            {
                **day,
                "pollutants": pollutant_names(day.get("primary_pollutants") or [], ", "),
                "weather": {k: weather.get(k) for k in WEATHER_KEYS},
                "signals": [name for name in SIGNALS if flags.get(name)],
                "trigger": day["date"] in trigger,
            }
        )
    return {"forecast": forecast, "rows": rows, "chart": aqi_bar_chart(forecast.days)}


def _action(proposal: Proposal, user, in_force) -> tuple[str, str]:
    """What acting on the proposal does for this user, as (code, button label): asked of
    ``alerts.permissions`` with the warning in force now, as the service will ask it."""
    level = Level(proposal.level).label
    if proposal.kind == ProposalKind.LIFT:
        if in_force is not None and lift_outcome(user, in_force) == Status.LIFTED:
            return "lift", _("Lift the %(level)s warning") % {"level": level}
        return "request-lift", _("Request approval to lift the %(level)s warning") % {"level": level}
    if create_outcome(user, proposal.level, in_force.level if in_force else None) == Status.ISSUED:
        return "issue", _("Issue %(level)s warning") % {"level": level}
    return "request-approval", _("Request %(level)s approval") % {"level": level}


def _card(proposal: Proposal, user, in_force=None) -> dict:
    trigger = set(proposal.basis.get("trigger_days", []))
    card = {
        "proposal": proposal,
        "level_label": Level(proposal.level).label if proposal.level in Level.values else proposal.level,
        "reason": services.proposal_reason(proposal),
        "cause": services.proposal_cause(proposal) if proposal.kind != ProposalKind.LIFT else "",
        # A municipal proposal rests on its directive; a forecast's issue or downgrade cites a consultation.
        "cites_basis": proposal.kind != ProposalKind.LIFT and proposal.source != ProposalSource.MUNICIPAL,
        **(_forecast_view(proposal.forecast, trigger) if proposal.forecast is not None else {"forecast": None}),
    }
    if proposal.status == ProposalStatus.OPEN and may_manage_forecasts(user):
        card["action"], card["action_label"] = _action(proposal, user, in_force)
    card["may_dismiss"] = proposal.status == ProposalStatus.OPEN and may_dismiss_proposal(user, proposal)
    return card


@login_required
@asks(may_view_proposals)
def proposal_list(request):
    """Open and recent proposals, each with its forecast table, AQI chart and weather signals."""
    in_force = alert_in_force()
    open_cards = [_card(p, request.user, in_force) for p in proposals_open()]
    recent_cards = [_card(p, request.user) for p in proposals_recent()]
    latest = Forecast.objects.order_by("-issued_at", "-id").first()
    if latest is not None and any(c["forecast"] and c["forecast"].pk == latest.pk for c in open_cards):
        latest = None  # already shown with its proposal
    return render(
        request,
        "feeds/proposals.html",
        {
            "open_cards": open_cards,
            "recent_cards": recent_cards,
            "latest": _forecast_view(latest) if latest else None,
            "may_manage": may_manage_forecasts(request.user),
            "act_form": ActForm(),
            "cause_choices": Cause.choices,
            "basis_options": basis_options_lazy(),
            "dismiss_form": DismissForm(),
        },
    )


@require_POST
@login_required
@asks(may_manage_forecasts)
def proposal_act(request, pk):
    """Turn the proposal into a warning (or a lift) through alerts.services."""
    proposal = get_object_or_404(Proposal, pk=pk)
    form = ActForm(request.POST)
    if not form.is_valid():  # never act on a cut or dropped comment: say what is wrong (issue 14 item 8)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("feeds:proposals")
    comment = form.cleaned_data["comment"]
    cause = form.cleaned_data["cause"]
    basis = {"basis_kind": form.cleaned_data["basis_kind"], "basis_ref": form.cleaned_data["basis_ref"]}
    try:
        alert = services.proposal_act(proposal=proposal, actor=request.user, comment=comment, cause=cause, **basis)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Done: warning #%(id)s is %(status)s.") % {"id": alert.pk, "status": alert.get_status_display()}
        )
    return redirect("feeds:proposals")


@require_POST
@login_required
@asks(may_view_proposals)
def proposal_dismiss(request, pk):
    """Set a proposal aside: the office; a municipal directive's proposal, a leader with a reason (the service decides)."""
    proposal = get_object_or_404(Proposal, pk=pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("feeds:proposals")
    reason = form.cleaned_data["reason"]
    try:
        services.proposal_dismiss(proposal=proposal, actor=request.user, reason=reason)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Proposal dismissed."))
    return redirect("feeds:proposals")


@login_required
@asks(may_manage_forecasts)
def forecast_new(request):
    """The office types in a consultation forecast; it is evaluated like any other."""
    form = ForecastForm(request.POST or None)
    days = ForecastDayFormSet(request.POST or None, prefix="days")
    if request.method == "POST" and form.is_valid() and days.is_valid():
        try:
            _forecast, proposal, created = services.forecast_create(
                source=form.cleaned_data["source"], provider=Provider.MANUAL, issued_at=form.cleaned_data["issued_at"],
                days=days.days(), actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if proposal is not None and created:
                messages.warning(request, _("The forecast calls for a proposal: see below."))
            else:
                messages.success(request, _("Forecast saved; it calls for no new proposal."))
            return redirect("feeds:proposals")
    return render(request, "feeds/forecast_new.html", {"form": form, "days": days})


@login_required
@asks(may_view_proposals)
def health(request):
    """Per source: last success, consecutive failures and data age."""
    return render(request, "feeds/health.html", {"rows": feed_health(), "stale_minutes": settings.FEED_STALE_MINUTES})
