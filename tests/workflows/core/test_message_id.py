"""Each e-mail's Message-ID comes from its notices' keys: a message sent again after a crash
between the mail server and the commit is the same message to mail systems."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from workflows.core.notifications import Notice, notify, send_pending


def message_ids() -> list[str]:
    return [message.message()["Message-ID"] for message in mail.outbox]


@pytest.fixture
def aid(new_request):
    return new_request()


def tell(*people, subject, day=dt.date(2023, 3, 15)) -> None:
    notify(
        Notice(recipient_id=p.pk, subject=subject, kind="reminder", day=day, title="Nhắc việc")
        for p in people
    )


def test_a_notice_sent_again_after_a_crash_before_the_commit_keeps_its_message_id(
    cast, aid, monkeypatch
):
    tell(cast.drafter, subject=aid)
    deliver = EmailBackend.send_messages

    def delivered_then_crashed(self, messages):
        deliver(self, messages)
        raise ConnectionResetError("worker lost before the commit")

    monkeypatch.setattr(EmailBackend, "send_messages", delivered_then_crashed)
    with pytest.raises(ConnectionResetError):
        send_pending()
    monkeypatch.undo()

    assert send_pending() == 1
    first, again = message_ids()
    assert first == again


def test_different_notices_have_different_message_ids(cast, aid):
    tell(cast.drafter, cast.district_leader, subject=aid)
    send_pending()
    tell(cast.drafter, subject=aid, day=dt.date(2023, 3, 16))
    send_pending()

    ids = message_ids()
    assert len(ids) == 3 and len(set(ids)) == 3


def test_the_message_id_names_the_sending_domain(cast, aid, settings):
    settings.DEFAULT_FROM_EMAIL = "Hỗ trợ trẻ em <no-reply@hotro.example.org>"
    tell(cast.drafter, subject=aid)
    send_pending()

    assert re.fullmatch(r"<notice-[0-9a-f]{32}@hotro\.example\.org>", message_ids()[0])
