"""Free text typed by people, made storable: the one place the services clean it."""

import re


def storable_text(value) -> str:
    """``value`` without NUL characters, which PostgreSQL's text and jsonb columns cannot hold.

    The API and the forms already refuse a NUL (DRF's and Django's ProhibitNullCharactersValidator);
    this covers every other caller of a service (the feeds, the admin, scripts), where a NUL
    would otherwise end in a database error instead of an answer. Other control characters
    are kept: they are stored as given, escaped in pages and dropped from XML (``alerts.cap``).
    """
    return "" if value is None else str(value).replace("\x00", "")


# The longest free text a person may type in one field (a reason, a note, a report): issue 14 item 8.
# Pages show it with a counter (static/js/forms.js); forms, the API and the services refuse more with a message.
TEXT_MAX = 4000


def text_checked(value, *, field: str, required: bool = False, required_message: str = "") -> str:
    """``value`` made storable (``storable_text``) and checked against ``TEXT_MAX``.

    Arguments: ``field``, the name the error is filed under; ``required`` refuses an empty or blank text
    with ``required_message``. Returns the text. Raises django's ValidationError ({field: message}; a 400
    in the API, a form message on the pages) when it is longer than ``TEXT_MAX`` characters or required
    and blank: nothing is ever cut.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    text = storable_text(value)
    if len(text) > TEXT_MAX:
        raise ValidationError({field: _("At most %(max)s characters (this text has %(count)s).") % {
            "max": f"{TEXT_MAX:,}", "count": f"{len(text):,}"}})
    if required and not text.strip():
        raise ValidationError({field: required_message})
    return text


# XML 1.0 allows only tab, LF, CR and the characters from U+0020 on, less the surrogates and U+FFFE/U+FFFF.
# lxml and python-docx refuse the rest, and a text typed or pasted by a person may hold them (an ESC, a NUL),
# so they are dropped, not escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    """``value`` as text an XML document can hold: the CAP feed, the Atom feed, a Word file (``reports.documents``).

    Arguments: any value (``str()`` is applied). Returns the text without the characters XML 1.0 forbids
    (lxml and python-docx escape <, > and & themselves). Raises nothing.
    """
    return _XML_ILLEGAL.sub("", str(value))
