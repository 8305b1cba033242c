"""Routing of a note: written, then countersigned, by whom the matrix names (test only)."""

from viewflow import this
from viewflow.workflow import flow

from agencies.selectors import actors_for
from workflows.core.declaration import Start, Step

PROCESS = "note"  # the matrix process of tests/declared/plan.yaml


class NoteFlow(flow.Flow):
    """Note"""

    start = Start().Next(this.write)
    write = Step().Next(this.sign)
    sign = Step().Next(this.end)
    end = flow.End()

    def actors(self, activation, *, step: str):
        """Who the matrix names for the step today."""
        return actors_for(process=PROCESS, step=step)
