"""The ceilings every number a person types, and every total computed from them, stays under,
so that no form, API call, Celery task or admin page can write a value its column refuses
(PostgreSQL raises DataError, SQLite OverflowError: a server error instead of a field error).

Why each ceiling is what it is:

- Money is whole VND in `PositiveBigIntegerField` columns: PostgreSQL `bigint` and SQLite's
  64-bit INTEGER both stop at 2**63 − 1 ≈ 9.2 × 10**18. One amount (a line, a request's total, a
  report's cash or in-kind total, a contribution) stops at MAX_VND = 10**15 VND, a thousand
  trillion: about half the state budget of Vietnam for a year and a hundred times Ninh Thuận's,
  so no real figure of the plan reaches it. The province's consolidation sums the unit reports of
  a year in SQL; SQLite's SUM over integers fails past 2**63 − 1, which 10**15 per report keeps
  out of reach for up to 9,223 reports a year (the province has under a hundred reporting units).
- Counts (children, items of a line, activities) are `PositiveIntegerField` columns: PostgreSQL
  `integer` stops at 2**31 − 1 = 2,147,483,647 (SQLite stores more, Django's own range check
  stops there too). One count stops at MAX_COUNT = 10**6, more children than live in the whole
  province (about 590,000 inhabitants): a request's three counts together stay far below the
  column, and a line's quantity times MAX_VND is still a Python integer the services compare
  before anything is written.
- Lines of one form (a request's items, a report's sources and its children by category and
  commune) stop at MAX_LINES = 200: more than any unit fills in (the province has 89 communes, a
  department reports its own category in each), where Django's default would build, check and
  render up to 2,000 forms of a formset for whatever TOTAL_FORMS a POST claims.
- Years are `PositiveSmallIntegerField` (PostgreSQL `smallint`, up to 32,767); forms take
  FIRST_YEAR to LAST_YEAR, around the plan's period (2019–2025), and the services hold a year
  to the plan's own period.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_VND = 10**15
MAX_COUNT = 10**6
MAX_LINES = 200
FIRST_YEAR = 2000
LAST_YEAR = 2100


def grouped(value: int) -> str:
    """A whole number written the Vietnamese way, with dots between thousands."""
    return f"{value:,}".replace(",", ".")


def out_of_range(value: object, *, high: int, low: int = 0) -> str | None:
    """Why a value cannot be stored, for a field error, or None when it is a whole number from
    `low` to `high` (a bool is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    return _("Enter a whole number from %(low)s to %(high)s.") % {
        "low": grouped(low),
        "high": grouped(high),
    }


def too_long(model, field: str, value: str) -> str | None:
    """Why a text is too long for its column (`max_length`), or None when it fits."""
    limit = model._meta.get_field(field).max_length
    if len(value) <= limit:
        return None
    return _("Write at most %(limit)d characters (this has %(length)d).") % {
        "limit": limit,
        "length": len(value),
    }


def too_many_lines() -> str:
    """Why a form's lines cannot all be taken (MAX_LINES)."""
    return _("Give at most %(max)d lines.") % {"max": MAX_LINES}
