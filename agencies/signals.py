"""Any change to plan data (loadplan, the admin) makes every process re-read the matrix; a
membership that ends is announced, so that the work its holder had taken can move on."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

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


# Sent by agencies.services when a membership ends on or before today (or no longer holds its
# former unit and role), inside the transaction that saved it, with `membership`, `user`,
# `unit`, `role` (the Role that ended) and `ended_on` (its last day). Processes listen: the
# tasks the user had taken in that unit and role go back to its queue (workflows.core).
membership_ended = Signal()

# Sent by loadplan after a plan file is loaded, with `plan_code`: units may have ended or begun, so
# processes move the work of ended units to their successors (workflows.core).
plan_loaded = Signal()
