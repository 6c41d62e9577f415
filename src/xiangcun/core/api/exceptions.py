"""Maps domain errors to the API's one error shape: `{"detail", "code", "errors": {field: [msg]}}`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from xiangcun.core.errors import ApplicationError, validation_error_fields


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = validation_error_fields(exc)
        return Response(
            {"detail": _first_message(fields), "code": "invalid", "errors": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ApplicationError):
        return Response(
            {"detail": exc.message, "code": exc.code, "errors": exc.fields},
            status=exc.status,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _first_message(errors), "code": "invalid", "errors": errors}
    elif isinstance(exc, exceptions.APIException | Http404):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(exc, "default_code", "error") if not isinstance(exc, Http404) else "not_found"
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response


def _first_message(errors) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            if message:
                return message if field == "non_field_errors" else f"{field}: {message}"
        return ""
    if isinstance(errors, list | tuple):
        for item in errors:
            message = _first_message(item)
            if message:
                return message
        return ""
    return str(errors)
