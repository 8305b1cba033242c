"""Any change to plan data (loadplan, the admin) makes every process re-read the matrix."""

from django.db.models.signals import post_delete, post_save

from .models import Category, Clause, Responsibility, Role, Unit
from .selectors import bump_matrix_version

MATRIX_MODELS = (Responsibility, Unit, Role, Clause, Category)


def matrix_changed(sender, **kwargs) -> None:
    bump_matrix_version()


# Connected per model, so that saving anything else (every step writes tasks and audit
# events) does not call the receiver at all.
for model in MATRIX_MODELS:
    post_save.connect(matrix_changed, sender=model, dispatch_uid=f"matrix-save-{model.__name__}")
    post_delete.connect(
        matrix_changed, sender=model, dispatch_uid=f"matrix-delete-{model.__name__}"
    )
