"""Attachments are read only through the checked view: by whoever may read their record, under
their own name and type, and as absent as a missing file (404) to anyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.workflows.aid_requests.conftest import request_input, to_delivery, to_review
from tests.workflows.core.test_attachments import DOCX, PDF
from tests.workflows.reporting.conftest import duty, figures
from workflows.aid_requests import services
from workflows.aid_requests.models import Attachment
from workflows.core.models import AttachedFile
from workflows.reporting import services as reporting

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def attached(cast, media, django_capture_on_commit_callbacks):
    """A request with a PDF and a DOCX, both written to storage."""
    files = [SimpleUploadedFile("danh-gia.pdf", PDF), SimpleUploadedFile("bang-ke.docx", DOCX)]
    with django_capture_on_commit_callbacks(execute=True):
        aid = services.create_request(user=cast.drafter, data=request_input(), attachments=files)
    pdf, docx = aid.attachments.order_by("pk")
    return aid, pdf, docx


def url(attachment: AttachedFile) -> str:
    return reverse("tasks:file", args=[attachment.folder, attachment.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["drafter", "doet"])
def test_the_uploader_and_a_reviewer_download_the_file(client, cast, attached, who):
    aid, pdf, _ = attached
    to_review(cast, aid)
    client.force_login(getattr(cast, who))
    response = client.get(url(pdf))
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_is_shown_inline_and_a_docx_is_saved_under_its_name(client, cast, attached):
    _, pdf, docx = attached
    client.force_login(cast.drafter)
    shown = client.get(url(pdf))
    saved = client.get(url(docx))
    assert shown["Content-Disposition"] == 'inline; filename="danh-gia.pdf"'
    assert saved["Content-Disposition"] == 'attachment; filename="bang-ke.docx"'
    assert saved["Content-Type"] == DOCX_TYPE
    assert body(saved) == DOCX


def test_an_officer_of_another_district_gets_the_same_404_as_for_no_file(client, cast, attached):
    _, pdf, _ = attached
    client.force_login(cast.everyone["d-ninh-son", "officer"])
    assert client.get(url(pdf)).status_code == 404
    missing = reverse("tasks:file", args=[pdf.folder, pdf.pk + 1000])
    assert client.get(missing).status_code == 404
    assert client.get(reverse("tasks:file", args=["elsewhere", pdf.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, attached):
    _, pdf, _ = attached
    response = client.get(url(pdf))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_media_folder_is_not_served(client, cast, attached, settings):
    _, pdf, _ = attached
    client.force_login(cast.drafter)
    assert client.get(f"/{settings.MEDIA_URL}{pdf.file.name}").status_code == 404


def test_the_confirming_officer_sees_the_delivery_with_its_evidence(
    client, cast, new_request, media, django_capture_on_commit_callbacks
):
    aid = to_delivery(cast, new_request())
    with django_capture_on_commit_callbacks(execute=True):
        services.record_delivery(
            user=cast.district_officer,
            request_id=aid.pk,
            delivered_on=dt.date(2023, 3, 10),
            children_reached=118,
            note="Sữa đã phát",
            evidence=[SimpleUploadedFile("bien-ban-giao.pdf", PDF)],
        )
    evidence = aid.attachments.get(kind=Attachment.Kind.DELIVERY_EVIDENCE)
    client.force_login(cast.dolisa_officer)
    page = client.get(aid.get_absolute_url()).content.decode()
    delivery = page[page.index('class="facts delivery"') :]
    assert "Ngày trao hỗ trợ" in delivery
    assert "10/03/2023" in delivery
    assert ">118<" in delivery
    assert "Sữa đã phát" in delivery
    assert f'href="{url(evidence)}"' in delivery
    assert body(client.get(url(evidence))) == PDF


def test_a_reports_attachment_is_linked_on_its_page_for_its_readers_only(
    client, cast, media, django_capture_on_commit_callbacks
):
    reporting.generate_obligations()
    with django_capture_on_commit_callbacks(execute=True):
        report = reporting.create_report(
            user=cast.drafter,
            obligation_id=duty("d-bac-ai").pk,
            data=figures(children=()),
            attachments=[SimpleUploadedFile("bao-cao-ky.pdf", PDF)],
        )
    scan = report.attachments.get()
    client.force_login(cast.drafter)
    assert f'href="{url(scan)}"' in client.get(report.get_absolute_url()).content.decode()
    assert body(client.get(url(scan))) == PDF
    client.force_login(cast.everyone["d-ninh-son", "officer"])
    assert client.get(url(scan)).status_code == 404
