"""Free text typed by people, made storable: the one place the services clean it."""


def storable_text(value) -> str:
    """``value`` without NUL characters, which PostgreSQL's text and jsonb columns cannot hold.

    The API and the forms already refuse a NUL (DRF's and Django's ProhibitNullCharactersValidator);
    this covers every other caller of a service (the feeds, the admin, scripts), where a NUL
    would otherwise end in a database error instead of an answer. Other control characters
    are kept: they are stored as given, escaped in pages and dropped from XML (``alerts.cap``).
    """
    return "" if value is None else str(value).replace("\x00", "")
