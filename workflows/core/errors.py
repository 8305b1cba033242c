"""Errors the transition door raises; views turn them into 403/409 with the message."""

from django.core.exceptions import PermissionDenied


class Conflict(Exception):
    """Another action got there first, or the record is no longer in a state for this action."""

    status_code = 409


class RuleViolation(Exception):
    """A plan rule refuses the action (e.g. clause III.2 on the state budget); HTTP 409."""

    status_code = 409


class NoResponsibleUnit(Exception):
    """The responsibility matrix names nobody for a step on the date: the data needs fixing."""


__all__ = ["Conflict", "NoResponsibleUnit", "PermissionDenied", "RuleViolation"]
