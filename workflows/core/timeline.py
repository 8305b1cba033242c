"""A record's timeline is a read over its audit events (docs/architecture.md, Audit)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import AuditEvent


def timeline_for(subject: models.Model) -> QuerySet[AuditEvent]:
    """Every audit event of the record, oldest first, with actor and unit loaded."""
    return (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )
        .select_related("actor", "unit")
        .order_by("created", "id")
    )
