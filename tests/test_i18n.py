"""Vietnamese first, English on request: language choice, dd/mm/yyyy dates, VND amounts and a
committed catalogue that is complete and compiled."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from agencies.templatetags.hotro import vnd

CATALOGUE = settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("vi", 1500000, "1.500.000 ₫"),
        ("en", 1500000, "1,500,000 ₫"),
        ("vi", 0, "0 ₫"),
        ("vi", 999, "999 ₫"),
        ("vi", 1000, "1.000 ₫"),
        ("vi", -2500000, "-2.500.000 ₫"),
        ("en", 123456789012, "123,456,789,012 ₫"),
        ("vi", Decimal("1500000.00"), "1.500.000 ₫"),
        ("vi", Decimal("1499999.5"), "1.500.000 ₫"),
        ("vi", "2500000", "2.500.000 ₫"),
        ("vi", None, ""),
        ("vi", "", ""),
        ("vi", "n/a", "n/a"),
    ],
)
def test_vnd(language, value, expected):
    with translation.override(language):
        assert vnd(value) == expected


def test_vnd_in_a_template():
    template = Template("{% load hotro %}{{ amount|vnd }}")

    with translation.override("vi"):
        assert template.render(Context({"amount": 1500000})) == "1.500.000 ₫"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_read_dd_mm_yyyy_in_vietnam_time(language):
    template = Template("{{ day }}|{{ day|date:'SHORT_DATE_FORMAT' }}|{{ moment }}")
    # 17:30 UTC on 29/06/2025 is 00:30 on 30/06/2025 in Vietnam.
    moment = dt.datetime(2025, 6, 29, 17, 30, tzinfo=dt.UTC)

    with translation.override(language):
        rendered = template.render(Context({"day": dt.date(2025, 6, 30), "moment": moment}))

    assert rendered == "30/06/2025|30/06/2025|30/06/2025 00:30"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_date_fields_accept_dd_mm_yyyy(language):
    class DayForm(forms.Form):
        day = forms.DateField()

    with translation.override(language):
        form = DayForm({"day": "01/07/2025"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2025, 7, 1)


def test_browser_language_does_not_override_vietnamese(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_switching_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")

    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Đăng nhập" not in html

    client.post(reverse("set_language"), {"language": "vi", "next": reverse("login")})
    assert '<html lang="vi">' in client.get(reverse("login")).content.decode()


def test_unknown_language_cookie_falls_back_to_vietnamese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    assert '<html lang="vi">' in client.get(reverse("login")).content.decode()


def read_po(path) -> list[dict]:
    """Entries of a .po file as {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr[n]"…}."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if key is not None:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, literal = line.partition(" ")
            entry[key] = ast.literal_eval(literal)
    return entries


def catalogue_of(entries: list[dict]) -> dict:
    """What msgfmt would compile: the mapping gettext reads back from the .mo file."""
    catalogue = {}
    for entry in entries:
        if not entry["msgid"]:
            continue
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            for name, text in entry.items():
                if name.startswith("msgstr["):
                    catalogue[(key, int(name[7:-1]))] = text
        else:
            catalogue[key] = entry["msgstr"]
    return catalogue


def test_vietnamese_catalogue_is_complete():
    entries = read_po(CATALOGUE / "django.po")

    assert len(entries) > 50
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    untranslated = [
        entry["msgid"]
        for entry in entries
        if entry["msgid"] and any(not v for k, v in entry.items() if k.startswith("msgstr"))
    ]
    assert fuzzy == []
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        from_mo = gettext.GNUTranslations(compiled)._catalog

    from_mo = {key: text for key, text in from_mo.items() if key != ""}
    assert from_mo == catalogue_of(read_po(CATALOGUE / "django.po")), "run `make messages`"


def test_project_strings_are_translated():
    with translation.override("vi"):
        assert translation.gettext("Sign in") == "Đăng nhập"
        assert translation.gettext("unit") == "đơn vị"
