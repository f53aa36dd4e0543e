"""The compliance page of a response (issue 16 item 6) as a live screen (``events.screens``): rendered by the hub
once per response watched and per language, carried in the frames, so the page follows the inspections with no
HTTP request per event.

Registered in ``ReductionsConfig.ready`` (``events`` is the ground floor and never imports this app). The page's
socket names the response: ``?screen=compliance&subject=<response id>``.
"""

from django.template.loader import render_to_string
from django.utils import translation

from events.screens import Screen, screen_register
from reductions.permissions import may_see_compliance
from responses.models import Response


def response_subject(user, value: str | None) -> int | None:
    """The response ``value`` names, if there is one (the page shows any response's compliance to whoever may
    see compliance: ``may_see_compliance``, asked first); else None."""
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return pk if Response.objects.filter(pk=pk).exists() else None


def render_compliance(audiences: list, language: str) -> dict:
    """``{response id: its compliance part}`` for each response id in ``audiences``, in ``language``: the page's
    own context (``reductions.views.compliance_context``) and template."""
    from reductions.views import compliance_context

    responses = Response.objects.select_related("alert").in_bulk([a for a in audiences if a is not None])
    with translation.override(language):
        return {
            pk: render_to_string("reductions/compliance_live.html", compliance_context(response))
            for pk, response in responses.items()
        }


def screens_register() -> None:
    """Register the compliance page (``compliance``) with the events hub."""
    screen_register(
        Screen("compliance", command=True, allowed=may_see_compliance, render=render_compliance, subject=response_subject)
    )
