"""Who hears which event: the one rule the log's readers ask (the API, the socket's replay and the hub).

The command (``units.permissions.is_command``: the office and the leaders) hears every event; anyone
else hears the public ones (``Audience.ALL``) and, as a member, their own unit's (``Audience.UNIT``).
The roster admin is not the command and hears only the public ones.
"""

from django.db.models import Q

from events.choices import Audience
from units.permissions import is_command


def hears_every_event(user) -> bool:
    """The command: every event, the command's own (``Audience.COMMAND``) and every unit's."""
    return is_command(user)


def events_heard_q(user) -> Q | None:
    """The filter of events ``user`` hears: None for every event, else the public ones and their unit's."""
    if hears_every_event(user):
        return None
    heard = Q(audience=Audience.ALL)
    if user.unit_id is not None:
        heard |= Q(audience=Audience.UNIT, unit_id=user.unit_id)
    return heard
