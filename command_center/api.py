"""API plumbing shared by every app: the exception handler."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from command_center.errors import ActionRefused

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """DRF's handler, plus: refused transitions are 409, model validation 400, a lost database 503."""
    if isinstance(exc, ActionRefused):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return Response(
            {"detail": "Database temporarily unavailable; nothing was changed. Try again."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
    return drf_exception_handler(exc, context)
