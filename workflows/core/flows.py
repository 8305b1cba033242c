"""What every process flow tells the shared pages: its subject records and step labels."""

from __future__ import annotations

from django.db import models


class SubjectFlowMixin:
    """A flow whose process routes one domain record (`subject_model.process`)."""

    subject_model: type[models.Model]
    subject_related: tuple[str, ...] = ()  # what the inbox row reads of a subject …
    subject_fields: tuple[str, ...] = ()  # … and only these columns, when given
    step_labels: dict = {}

    def subjects(self, process_ids) -> dict[int, models.Model]:
        """The records behind these processes, keyed by process id, in one query."""
        records = self.subject_model._default_manager.filter(
            process_id__in=process_ids
        ).select_related(*self.subject_related)
        if self.subject_fields:
            records = records.only(*self.subject_fields)
        return {record.process_id: record for record in records}

    def step_label(self, name: str) -> str:
        return self.step_labels.get(name, name)
