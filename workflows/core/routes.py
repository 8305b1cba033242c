"""A process's standard record pages, found in its views module by their names."""

from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern

from .declaration import ProcessDeclaration
from .views import record_urls


def record_pages(
    declaration: ProcessDeclaration, views: ModuleType, record: str
) -> list[URLPattern]:
    """`record_urls` with the views named `<record>_list`, `_create`, `_detail` and `_edit`."""

    def page(name: str):
        return getattr(views, f"{record}_{name}")

    return record_urls(
        declaration,
        listing=page("list"),
        create=page("create"),
        detail=page("detail"),
        edit=page("edit"),
    )
