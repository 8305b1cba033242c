"""Files attached to a process record: documents and images only, of a bounded size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import AttachedFile

ALLOWED_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

# What a form hands a service: the files chosen in one upload field.
Uploads = Sequence[UploadedFile]


def validate_attachment(upload: UploadedFile) -> None:
    """Only documents and images, at most 10 MB."""
    name = (upload.name or "").lower()
    if not any(name.endswith(ext) for ext in ALLOWED_EXTENSIONS):
        raise ValidationError(
            {"attachments": _("File type not allowed: %(name)s.") % {"name": upload.name}}
        )
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"attachments": _("File larger than 10 MB: %(name)s.") % {"name": upload.name}}
        )


def attach(model: type[AttachedFile], files: Iterable[UploadedFile], *, user, **record) -> None:
    """Every file is checked before any is stored, so a refused one leaves no other on disk."""
    uploads = list(files)
    for upload in uploads:
        validate_attachment(upload)
    for upload in uploads:
        model._default_manager.create(file=upload, uploaded_by=user, **record)
