"""One error contract for domain code.

Services raise `django.core.exceptions.ValidationError` (field errors) or `ApplicationError` (a rule of
the program, with a machine-readable code). The API maps both to HTTP 400 (see `core.api.exceptions`),
pages show them beside the form, and commands exit non-zero with the message.
"""

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A request that breaks a rule of the program. `code` is stable and machine-readable."""

    def __init__(self, message: str, *, code: str = "invalid", fields: dict | None = None, status: int = 400):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.fields = fields or {}
        self.status = status


class PermissionDenied(ApplicationError):
    """The acting user may not do this (HTTP 403)."""

    def __init__(self, message: str, *, code: str = "permission_denied"):
        super().__init__(message, code=code, status=403)


def validation_error_fields(exc: ValidationError) -> dict[str, list[str]]:
    """Field → messages of a Django ValidationError; errors without a field go under `non_field_errors`."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}
