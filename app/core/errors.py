"""Domain errors. Views and the API turn them into 4xx responses with a clear message."""

from __future__ import annotations


class ConfigError(RuntimeError):
    """Deploy-time configuration is missing or invalid; the service refuses to start."""


class ServicedeskError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(ServicedeskError):
    status = 422
    code = "validation_failed"


class NotFound(ServicedeskError):
    status = 404
    code = "not_found"


class PermissionDenied(ServicedeskError):
    status = 403
    code = "forbidden"


class InvalidTransition(ServicedeskError):
    status = 409
    code = "invalid_transition"


class Conflict(ServicedeskError):
    status = 409
    code = "conflict"


class TooLarge(ServicedeskError):
    status = 413
    code = "too_large"
