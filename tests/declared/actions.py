"""The note process declared once: two steps, one action each, every one through the door."""

from workflows.core.declaration import Action, HumanStep, ProcessDeclaration
from workflows.core.transitions import perform

from .flows import PROCESS, NoteFlow
from .models import Note


def door(action: str):
    """The service of an action: the door, nothing else."""

    def service(*, user, note_id: int, comment: str = "") -> Note:
        return perform(model=Note, pk=note_id, user=user, action=action, comment=comment)

    return service


NOTE = ProcessDeclaration(
    title="Note",
    flow=NoteFlow,
    model=Note,
    matrix_process=PROCESS,
    record_arg="note_id",
    visible=lambda user: Note.objects.all(),
    steps={
        "write": HumanStep("Writing", (Action("hand_in", "Hand in", door("hand_in")),)),
        "sign": HumanStep("Signature", (Action("countersign", "Sign", door("countersign")),)),
    },
)
