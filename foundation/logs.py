"""Logging: a refused request is a log line, not a traceback (issue 14 item 12)."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """Drop the traceback of a record about a 4xx answer.

    Django logs a ``PermissionDenied`` or ``Http404`` raised in a view (the admin's autocomplete
    refusing a field, a unit opening another unit's warning) with the exception attached, so every
    refusal filled the log with a traceback as if the code had failed. The answer was right: keep
    the line (``Forbidden (Permission denied): /admin/autocomplete/``), drop the traceback. 5xx
    records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
