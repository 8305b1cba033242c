"""Attachments: content checked by its signature, files on disk only once the transaction
commits (docs/architecture.md, "Successions": files go with a record through attach)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from agencies.models import Category, Unit
from tests.workflows.aid_requests.conftest import request_input
from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest, Attachment
from workflows.core.attachments import HEAD_BYTES, OLE2_SIGNATURE, validate_attachment

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
OLE2 = OLE2_SIGNATURE + b"\x00" * 1024


def package(*names: str, padding: int = 0) -> bytes:
    """A ZIP holding the named parts (the first padded to `padding` bytes, stored)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i, name in enumerate(names):
            archive.writestr(name, b"x" * padding if i == 0 and padding else b"<xml/>")
    return buffer.getvalue()


DOCX = package("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = package("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")


class CountingFile(io.BytesIO):
    """Remembers how many bytes were read from it."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def files_under(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("to-trinh.pdf", PDF),
        ("anh.jpg", JPEG),
        ("anh.JPEG", JPEG),
        ("so-do.png", PNG),
        ("bien-ban.doc", OLE2),
        ("bang-ke.xls", OLE2),
        ("bien-ban.docx", DOCX),
        ("bang-ke.xlsx", XLSX),
    ],
)
def test_a_file_whose_content_is_what_its_name_says_is_accepted_and_left_where_it_was(
    name, content
):
    file = upload(name, content)
    file.read(3)

    validate_attachment(file)

    assert file.tell() == 3


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("to-trinh.pdf", HTML, "PDF"),
        ("to-trinh.pdf", PNG, "PDF"),
        ("anh.jpg", PNG, "JPEG"),
        ("so-do.png", JPEG, "PNG"),
        ("bien-ban.doc", PDF, "Word"),
        ("bang-ke.xls", HTML, "Excel"),
        ("bien-ban.docx", package("word/document.xml"), "Word"),
        ("bien-ban.docx", XLSX, "Word"),
        ("bang-ke.xlsx", DOCX, "Excel"),
        ("bang-ke.xlsx", b"PK\x03\x04 not really an archive", "Excel"),
        ("bien-ban.docx", OLE2, "Word"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_in_vietnamese(
    name, content, kind
):
    with translation.override("vi"), pytest.raises(ValidationError) as excinfo:
        validate_attachment(upload(name, content))

    assert excinfo.value.message_dict == {
        "attachments": [
            f"Tệp {name} không phải là tệp {kind} thật: nội dung tệp không khớp với tên tệp."
        ]
    }


def test_the_field_the_error_belongs_to_is_the_callers():
    with pytest.raises(ValidationError) as excinfo:
        validate_attachment(upload("bien-ban.pdf", HTML), field="evidence")

    assert list(excinfo.value.message_dict) == ["evidence"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("to-trinh.pdf", PDF + b"x" * (9 * 1024 * 1024)),
        ("bien-ban.docx", package("word/document.xml", "[Content_Types].xml", padding=9 << 20)),
    ],
)
def test_only_the_first_bytes_and_an_archives_directory_are_read(name, content):
    counting = CountingFile(content)
    file = SimpleUploadedFile(name, b"")
    file.file, file.size = counting, len(content)

    validate_attachment(file)

    assert 0 < counting.read_bytes <= 2 * HEAD_BYTES


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_files_are_written_when_the_transaction_commits(
    cast, media, django_capture_on_commit_callbacks
):
    files = [upload("danh-gia.pdf", PDF), upload("bang-ke.xlsx", XLSX)]
    with django_capture_on_commit_callbacks() as callbacks:
        aid = services.create_request(user=cast.drafter, data=request_input(), attachments=files)
        assert files_under(media) == []

    for callback in callbacks:
        callback()

    folder = f"aid_requests/{aid.pk}"
    assert files_under(media) == [f"{folder}/bang-ke.xlsx", f"{folder}/danh-gia.pdf"]
    assert sorted(a.file.name for a in aid.attachments.all()) == files_under(media)
    assert (media / folder / "danh-gia.pdf").read_bytes() == PDF


def test_a_refused_file_among_good_ones_leaves_no_row_and_no_file(
    cast, new_request, media, django_capture_on_commit_callbacks
):
    aid = new_request()
    files = [upload("bien-ban.pdf", PDF), upload("bang-ke.pdf", HTML)]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.update_draft(
            user=cast.drafter, request_id=aid.pk, data=request_input(), attachments=files
        )

    assert not aid.attachments.exists()
    assert files_under(media) == []


def test_an_error_after_the_files_were_accepted_leaves_no_row_and_no_file(
    cast, media, monkeypatch, django_capture_on_commit_callbacks
):
    def crash(**kwargs):
        raise RuntimeError("the process could not start")

    monkeypatch.setattr(services, "start", crash)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.create_request(
            user=cast.drafter, data=request_input(), attachments=[upload("danh-gia.pdf", PDF)]
        )

    assert not AidRequest.objects.exists()
    assert not Attachment.objects.exists()
    assert files_under(media) == []


def test_a_rolled_back_transaction_leaves_no_file(
    cast, new_request, media, django_capture_on_commit_callbacks
):
    aid = new_request()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        services.update_draft(
            user=cast.drafter,
            request_id=aid.pk,
            data=request_input(),
            attachments=[upload("bien-ban.pdf", PDF)],
        )
        1 / 0  # noqa: B018 (anything that fails before the commit)

    assert not aid.attachments.exists()
    assert files_under(media) == []


def test_two_files_of_one_name_are_both_kept(cast, media, django_capture_on_commit_callbacks):
    files = [upload("danh-gia.pdf", PDF), upload("danh-gia.pdf", PDF + b"%second\n")]
    with django_capture_on_commit_callbacks(execute=True):
        aid = services.create_request(user=cast.drafter, data=request_input(), attachments=files)

    names = sorted(a.file.name for a in aid.attachments.all())
    assert len(names) == 2 and names == files_under(media)
    assert {(media / name).read_bytes() for name in names} == {PDF, PDF + b"%second\n"}


def test_a_file_that_cannot_be_written_takes_its_row_away_and_not_the_others(
    cast, media, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    save = FileSystemStorage.save

    def disk_full_for_images(self, name, content, max_length=None):
        if name.endswith(".png"):
            raise OSError(28, "No space left on device")
        return save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", disk_full_for_images)
    files = [upload("so-do.png", PNG), upload("danh-gia.pdf", PDF)]
    with django_capture_on_commit_callbacks(execute=True):
        aid = services.create_request(user=cast.drafter, data=request_input(), attachments=files)

    assert [a.file.name for a in aid.attachments.all()] == files_under(media)
    assert files_under(media) == [f"aid_requests/{aid.pk}/danh-gia.pdf"]
    assert "No space left on device" in caplog.text


def test_the_edit_page_shows_the_refusal_under_the_field_and_stores_nothing(
    client, cast, new_request, media, django_capture_on_commit_callbacks
):
    aid = new_request()
    client.force_login(cast.drafter)
    form = {
        "district": Unit.objects.get(code="d-bac-ai").pk,
        "commune": Unit.objects.get(code="c-phuoc-dai").pk,
        "category": Category.objects.get(code="nutrition").pk,
        "year": 2023,
        "children_preschool": 120,
        "children_primary": 0,
        "children_other": 0,
        "justification": "Trẻ suy dinh dưỡng",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-item": "Sữa",
        "lines-0-quantity": 120,
        "lines-0-unit_cost": 250_000,
        "attachments": [upload("danh-gia.pdf", PDF), upload("bang-ke.pdf", HTML)],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aid_requests:edit", args=[aid.pk]), form)

    assert response.status_code == 400
    assert response.context["form"].errors["attachments"] == [
        "Tệp bang-ke.pdf không phải là tệp PDF thật: nội dung tệp không khớp với tên tệp."
    ]
    assert not aid.attachments.exists()
    assert files_under(media) == []
