"""API plumbing shared by every app: the exception handler and the JSON 404 under /api/."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import translation
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from foundation.errorpages import request_language
from foundation.errors import ActionRefused
from foundation.middleware import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """DRF's handler, plus: refused transitions are 409, model validation 400, a lost database 503.

    Every answer speaks the request's language (``foundation.errorpages.request_language``), not
    the thread's: a lazy message (the 503's, a refusal's, a model validation's) is rendered here.
    """
    with translation.override(request_language(context.get("request"))):
        return _answer(exc, context)


def _answer(exc, context):
    if isinstance(exc, ActionRefused):
        return Response({**exc.extra, "detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return Response(
            {"detail": str(DATABASE_UNAVAILABLE)},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
    return drf_exception_handler(exc, context)


# --- Schema: the error answers every operation can give ---------------------------------------------

_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
_ERRORS = {
    "400": ("The request is invalid; nothing was changed.", {"$ref": "#/components/schemas/ValidationErrors"}),
    "403": ("Not signed in, or the role or unit may not do this.", _DETAIL),
    "404": ("No such object, or not one this user may see.", _DETAIL),
    "409": ("Refused in the object's current state (the transition table).", _DETAIL),
    "415": ("The body's content type is not one this operation reads.", _DETAIL),
    "503": ("The database is unavailable; nothing was changed. Try again.", _DETAIL),
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: add the 4xx/503 answers each operation really gives.

    drf-spectacular documents only the success answer, so a client (or schemathesis) reading
    the schema would take every 403, 404 or 409 for an undocumented answer. Each operation
    gets 400 when it takes a body or query parameters (and 415 for a body of a type it does
    not read), 403 unless it is public, 404 when its
    path names an object, 409 for actions (POST), and 503 always (``exception_handler``).
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "ErrorDetail",
        {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    )
    schemas.setdefault(
        "ValidationErrors",
        {
            "type": "object",
            "description": "Field name (or non_field_errors / detail) to its messages.",
            "additionalProperties": {
                "oneOf": [
                    {"type": "array", "items": {}},
                    {"type": "object"},
                    {"type": "string"},
                ]
            },
        },
    )
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["503"]
            if operation.get("requestBody") or any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.append("400")
            if operation.get("requestBody"):
                codes.append("415")
            if any(requirement for requirement in operation.get("security", [])):
                codes.append("403")
            if "{" in path:
                codes.append("404")
            if method == "post":
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                description, schema = _ERRORS[code]
                responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": schema}}})
    return result


def not_found(request, exception):
    """404: JSON under /api/ (what the schema documents, e.g. for ``/api/alerts/0.5/``), the HTML page elsewhere."""
    from foundation.errorpages import page_not_found

    return page_not_found(request, exception)
