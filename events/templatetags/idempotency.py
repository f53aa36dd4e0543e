"""``{% idempotency_field %}``: the hidden idempotency key every state-changing form carries (issue 14 item 4).

A builtin (settings.TEMPLATES), so no template needs to load it.
"""

import uuid

from django import template
from django.utils.html import format_html

from events.idempotency import FIELD

register = template.Library()


@register.simple_tag
def idempotency_field(shared: bool = False):
    """A hidden input named ``idempotency_key``: a fresh key per render, or, with ``shared`` (a live part
    rendered once for many readers), empty, for the page's script (static/js/forms.js) to fill with a key
    of its own when the form is sent."""
    if shared:
        return format_html('<input type="hidden" name="{}" value="" data-idempotency="client">', FIELD)
    return format_html('<input type="hidden" name="{}" value="{}" data-idempotency="server">', FIELD, uuid.uuid4().hex)
