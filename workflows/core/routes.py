"""The addresses of a drafted record's pages, the same in every process that drafts one."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path

from .declaration import ProcessDeclaration
from .views import process_urls


def record_urls(
    declaration: ProcessDeclaration,
    *,
    listing: Callable,
    create: Callable,
    detail: Callable,
    edit: Callable,
) -> list[URLPattern]:
    """List, new, record and edit pages (named so), then the record's generic action pages."""
    return [
        path("", listing, name="list"),
        path("new/", create, name="create"),
        path("<int:pk>/", detail, name="detail"),
        path("<int:pk>/edit/", edit, name="edit"),
        *process_urls(declaration),
    ]
