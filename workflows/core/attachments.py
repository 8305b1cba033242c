"""Files attached to a process record: documents and images only, of a bounded size, whose
content is what their name says, written to storage only when the record's transaction
commits."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from filetype.types import archive, image  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from .models import AttachedFile

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# As far as filetype itself reads into a file for a signature.
HEAD_BYTES = 8192
# Word 97-2003 and Excel 97-2003 files are OLE2 compound files (MS-CFB 2.2).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What a form hands a service: the files chosen in one upload field.
Uploads = Sequence[UploadedFile]


@dataclass(frozen=True)
class Kind:
    """A kind of file accepted: its name in messages, and the check its first bytes pass."""

    label: str
    matches: Callable[[UploadedFile, bytes], bool]


def _signature(matcher) -> Callable[[UploadedFile, bytes], bool]:
    return lambda upload, head: bool(matcher.match(head))


def _ole2(upload: UploadedFile, head: bytes) -> bool:
    return head.startswith(OLE2_SIGNATURE)


def _office_open_xml(main_folder: str) -> Callable[[UploadedFile, bytes], bool]:
    """A ZIP whose directory lists `[Content_Types].xml` and the document's main folder; the
    directory is read from the end of the file, nothing is extracted."""

    def matches(upload: UploadedFile, head: bytes) -> bool:
        if not archive.Zip().match(head):
            return False
        start = upload.tell()
        try:
            with zipfile.ZipFile(cast(IO[bytes], upload.file)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError):
            return False
        finally:
            upload.seek(start)
        return "[Content_Types].xml" in names and any(n.startswith(main_folder) for n in names)

    return matches


_JPEG = Kind("JPEG", _signature(image.Jpeg()))
KINDS = {
    ".pdf": Kind("PDF", _signature(archive.Pdf())),
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": Kind("PNG", _signature(image.Png())),
    ".doc": Kind("Word", _ole2),
    ".xls": Kind("Excel", _ole2),
    ".docx": Kind("Word", _office_open_xml("word/")),
    ".xlsx": Kind("Excel", _office_open_xml("xl/")),
}
ALLOWED_EXTENSIONS = set(KINDS)


def _head(upload: UploadedFile) -> bytes:
    """The first bytes only, and the file left where it was: a 10 MB file is not read twice."""
    start = upload.tell()
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(start)
    return head


def validate_attachment(upload: UploadedFile, *, field: str = "attachments") -> None:
    """Only documents and images, at most 10 MB, whose content is the kind their name says:
    a page named .pdf or an image named .doc is refused before anything is stored."""
    name = (upload.name or "").lower()
    kind = next((KINDS[ext] for ext in KINDS if name.endswith(ext)), None)
    if kind is None:
        raise ValidationError(
            {field: _("File type not allowed: %(name)s.") % {"name": upload.name}}
        )
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {field: _("File larger than 10 MB: %(name)s.") % {"name": upload.name}}
        )
    if not kind.matches(upload, _head(upload)):
        raise ValidationError(
            {
                field: _("%(name)s is not a %(kind)s file: its content does not match its name.")
                % {"name": upload.name, "kind": kind.label}
            }
        )


def attach(
    model: type[AttachedFile],
    files: Iterable[UploadedFile],
    *,
    user,
    field: str = "attachments",
    **record,
) -> None:
    """Every file is checked before any row is made, and files are written only once the
    transaction commits: a refused file, a later error or a rollback leaves none on disk."""
    uploads = list(files)
    for upload in uploads:
        validate_attachment(upload, field=field)
    for upload in uploads:
        _add_row(model(uploaded_by=user, **record), upload)


def _add_row(row: AttachedFile, upload: UploadedFile) -> None:
    """The row now, under the name its file will take; the file once the transaction commits
    (robust: a file that cannot be written stops neither the others nor the notifications the
    same action queued)."""
    file_field = row.file.field
    name = file_field.generate_filename(row, upload.name or "")
    row.file.name = file_field.storage.get_available_name(name, max_length=file_field.max_length)
    row.save()
    transaction.on_commit(lambda: _store(row, upload), robust=True)


def _store(row: AttachedFile, upload: UploadedFile) -> None:
    """Write a committed row's file; a row whose file cannot be written is removed, so none
    points at nothing."""
    file_field = row.file.field
    manager = type(row)._default_manager
    try:
        stored = file_field.storage.save(row.file.name, upload, max_length=file_field.max_length)
    except Exception:
        manager.filter(pk=row.pk).delete()
        raise  # logged by the robust on_commit
    # Another upload took the name between the row and the write: the row follows the file.
    if stored != row.file.name:
        manager.filter(pk=row.pk).update(file=stored)
