"""Errors the services raise; the faces turn them into exit codes and messages.

CrmError and its children are domain errors (exit 1): the user asked for something
that does not exist or is not allowed. StoreError is the database or a file failing
(exit 3).
"""


class CrmError(Exception):
    """A domain error: one line the user can act on."""


class NotFound(CrmError):
    pass


class Invalid(CrmError):
    """A value that breaks a rule; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class Duplicate(CrmError):
    pass


class StoreError(Exception):
    """The database or a file could not be used."""


class Conflict(CrmError):
    """An edit made from a version someone else has changed since: refused, nothing written."""
