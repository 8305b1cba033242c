"""Files attached to a process record: documents and images only, of a bounded size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


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
