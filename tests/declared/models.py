"""A note written then countersigned: the smallest declared process (acceptance test only)."""

from django.db import models
from django_fsm import FSMField, transition

from workflows.core.models import ProcessRecord


class Note(ProcessRecord):
    """One note: a unit's officer writes it, its leader countersigns it."""

    detail_url = "declared:detail"
    status = FSMField(
        default="draft",
        choices=[("draft", "Draft"), ("handed_in", "Handed in"), ("signed", "Signed")],
        protected=True,
    )
    text = models.CharField(max_length=200)

    @transition(field=status, source="draft", target="handed_in")
    def hand_in(self) -> None:
        """The writer hands the note in for signature."""

    @transition(field=status, source="handed_in", target="signed")
    def countersign(self) -> None:
        """The leader countersigns it."""
