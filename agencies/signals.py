"""Any change to plan data (loadplan, the admin) makes every process re-read the matrix."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category, Clause, Responsibility, Role, Unit
from .selectors import bump_matrix_version

MATRIX_MODELS = (Responsibility, Unit, Role, Clause, Category)


@receiver(post_save)
@receiver(post_delete)
def matrix_changed(sender, **kwargs) -> None:
    if sender in MATRIX_MODELS:
        bump_matrix_version()
