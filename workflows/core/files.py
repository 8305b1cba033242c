"""Attached files are served only through this view, to a user who may read their record: the
media folder is never served as such, and a file the user may not read is as absent as one that
does not exist (404)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import cast

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from .declaration import declaration_of
from .models import AttachedFile

# What the browser is told each accepted kind is (attachments.KINDS is what is accepted).
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Shown in the browser; Office files are saved, not opened by whatever the browser hands them to.
INLINE = {".pdf", ".jpg", ".jpeg", ".png"}


def attachment_models() -> dict[str, type[AttachedFile]]:
    """Every kind of attachment by its folder, the name it takes in the file's address."""
    return {
        model.folder: model
        for model in apps.get_models()
        if issubclass(model, AttachedFile) and model.folder
    }


def visible_attachment(user, kind: str, pk: int) -> AttachedFile:
    """The attachment, if its record is among those the record's process lets the user read."""
    model = attachment_models().get(kind)
    if model is None:
        raise Http404
    attachment = model._default_manager.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    record_model = cast(type[Model], model._meta.get_field(model.record_field).related_model)
    record_id = getattr(attachment, f"{model.record_field}_id")
    if not declaration_of(record_model).visible(user).filter(pk=record_id).exists():
        raise Http404
    return attachment


@login_required
@require_GET
def download(request, kind: str, pk: int) -> FileResponse:
    """The file under its own name and type; nosniff comes from SecurityMiddleware."""
    attachment = visible_attachment(request.user, kind, pk)
    stored = PurePosixPath(attachment.file.name)  # storage names use forward slashes
    name, extension = stored.name, stored.suffix.lower()
    content_type = CONTENT_TYPES.get(extension)
    if content_type is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=extension not in INLINE,
        filename=name,
        content_type=content_type,
    )
