"""The lists' filters in the URL (kept by the pager and saved per user), the inbox's bulk
action (each task on its own, a refusal stops no other) and the archive's outcomes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.aid_requests import services
from workflows.aid_requests.models import Status
from workflows.core.models import SavedFilter

from .conftest import to_review

pytestmark = pytest.mark.django_db


def test_the_inbox_filters_by_year_and_code(client, cast, new_request):
    old, new = new_request(year=2022), new_request(year=2023)
    to_review(cast, old)
    to_review(cast, new)
    client.force_login(cast.doet)
    page = client.get(reverse("tasks:inbox"), {"year": 2022}).content.decode()
    assert str(old) in page and str(new) not in page
    page = client.get(reverse("tasks:inbox"), {"q": str(new)}).content.decode()
    assert str(new) in page and str(old) not in page
    assert "(2 việc đang mở)" in page  # the badge still counts every open task


def filter_form(page: str) -> str:
    start = page.index('<form method="get"')
    return page[start : page.index("</form>", start)]


def test_the_cached_filter_form_is_each_users_own_with_its_values_and_language(
    client, cast, new_request
):
    """The filter form's HTML is cached under what it is made of: a second visit serves the
    same form, another value, user or language never gets it."""
    to_review(cast, new_request())
    inbox = reverse("tasks:inbox")
    client.force_login(cast.doet)
    first = filter_form(client.get(inbox, {"year": 2022}).content.decode())
    assert filter_form(client.get(inbox, {"year": 2022}).content.decode()) == first
    assert 'value="2022"' in first
    other_year = filter_form(client.get(inbox, {"year": 2023}).content.decode())
    assert 'value="2023"' in other_year and 'value="2022"' not in other_year
    refused = filter_form(client.get(inbox, {"year": "abc"}).content.decode())
    assert "invalid" in refused  # the field's error is shown, not a cached valid form
    client.cookies["django_language"] = "en"
    assert "All units" in filter_form(client.get(inbox, {"year": 2022}).content.decode())
    del client.cookies["django_language"]
    units = 'name="unit"'
    mine = filter_form(client.get(inbox).content.decode())
    client.force_login(cast.doh)
    theirs = filter_form(client.get(inbox).content.decode())
    assert units in mine and units in theirs
    assert "Sở Giáo dục" in mine and "Sở Giáo dục" not in theirs and "Sở Y tế" in theirs
    client.cookies["django_language"] = "en"  # the unfiltered form too is each language's own
    english = filter_form(client.get(inbox).content.decode())
    assert "All units" in english and "Mọi đơn vị" not in english and "Mọi đơn vị" in theirs
    # The processes and steps to filter by, named once per language, each in its own.
    assert ">Aid request<" in english and ">Aid request · " in english
    assert ">Đề nghị hỗ trợ<" in theirs and ">Đề nghị hỗ trợ · " in theirs
    assert "Aid request" not in theirs


def test_the_aid_list_filters_by_status_and_saves_the_filter(client, cast, new_request):
    draft, sent = new_request(year=2022), new_request(year=2023)
    to_review(cast, sent)
    client.force_login(cast.drafter)
    url = reverse("aid_requests:list")
    page = client.get(url, {"status": Status.DRAFT}).content.decode()
    assert str(draft) in page and str(sent) not in page
    saved = client.post(
        reverse("tasks:save_filter"),
        {"page": "aid_requests", "label": "Nháp", "query": "status=draft&page=3"},
    )
    assert saved.status_code == 302 and saved.url == f"{url}?status=draft"
    listed = client.get(url).content.decode()
    assert f'href="{url}?status=draft"' in listed
    mine = SavedFilter.objects.get(user=cast.drafter)
    client.force_login(cast.doet)  # another user cannot delete it
    assert client.post(reverse("tasks:delete_filter", args=[mine.pk])).status_code == 404
    client.force_login(cast.drafter)
    client.post(reverse("tasks:delete_filter", args=[mine.pk]))
    assert not SavedFilter.objects.exists()


def test_bulk_sign_off_does_each_open_task_and_skips_one_gone(client, cast, new_request):
    first, second = new_request(year=2022), new_request(year=2023)
    for aid in (first, second):
        services.submit(user=cast.drafter, request_id=aid.pk)
    client.force_login(cast.district_leader)
    inbox = client.get(reverse("tasks:inbox"))
    ids = [row["task"].pk for row in inbox.context["rows"]]
    assert len(ids) == 2 and 'name="tasks"' in inbox.content.decode()
    services.sign_off(user=cast.district_leader, request_id=second.pk)  # gone meanwhile
    data = {"action": "aid_requests:sign_off", "tasks": ids}
    form = client.post(reverse("tasks:bulk"), data)
    assert form.status_code == 200 and "sign_off-comment" in form.content.decode()
    done = client.post(reverse("tasks:bulk"), {**data, "run": "1"}).content.decode()
    first.refresh_from_db()
    assert first.status == Status.UNDER_REVIEW
    assert done.count('data-result="done"') == 1


def test_the_archive_shows_what_was_done(client, cast, new_request):
    aid = new_request()
    to_review(cast, aid)
    services.return_for_revision(user=cast.doet, request_id=aid.pk, reason="Thiếu hồ sơ.")
    client.force_login(cast.doet)
    page = client.get(reverse("tasks:archive")).content.decode()
    assert 'class="outcome-return"' in page
