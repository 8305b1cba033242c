"""The supervisor dashboard's exports (V.2): the CSV holds the table; the XLSX says what it is,
for which plan, with which filters and when it was made, then the table and every overdue duty."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from agencies.models import ObligationDefinition, Plan, UnitKind

from .models import VIETNAM
from .selectors import Completeness, OverdueRow, UnitRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = "DD/MM/YYYY"


def table_header() -> list[str]:
    return [
        _("Unit code"),
        _("Unit"),
        _("Expected"),
        _("Submitted"),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("Waived"),
        _("Completeness (%)"),
        _("Timeliness (%)"),
    ]


def _line(code: str, name: str, counts: Completeness) -> list:
    return [
        code,
        name,
        counts.expected,
        counts.submitted,
        counts.on_time,
        counts.late,
        counts.missing,
        counts.waived,
        counts.completeness_percent,
        counts.timeliness_percent,
    ]


def table_rows(rows: Sequence[UnitRow], total: Completeness) -> list[list]:
    """The dashboard table as plain rows: the header, one row per unit, the total."""
    return [
        table_header(),
        *(_line(row.unit.code, row.unit.name, row) for row in rows),
        _line("", _("Total"), total),
    ]


def file_name(*, year: int, kind: str, extension: str) -> str:
    prefix = f"{kind}-" if kind else ""
    return f"bao-cao-{prefix}{year}.{extension}"


def csv_response(rows: Sequence[UnitRow], total: Completeness, *, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read Vietnamese as UTF-8
    csv.writer(response).writerows(table_rows(rows, total))
    return response


def vietnam_time(moment: dt.datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time, whatever the server's zone."""
    return timezone.localtime(moment, VIETNAM).strftime("%d/%m/%Y %H:%M")


def filters_text(*, year: int | None, kind: str, definition: ObligationDefinition | None) -> str:
    """The filters as a sentence; no year is every period."""
    kind_label = dict(UnitKind.choices).get(kind) if kind else None
    return "; ".join(
        [
            _("Year: %(year)s") % {"year": year if year is not None else _("every period")},
            _("Kind of unit: %(kind)s") % {"kind": kind_label or _("All kinds of unit")},
            _("Obligation: %(obligation)s")
            % {"obligation": definition.name if definition else _("All obligations")},
        ]
    )


def _heading(sheet: Worksheet, *, title: str, plans: Sequence[Plan], filters: str, made: str):
    """Title (what, which plan), the filters and when it was made, then a blank row."""
    plan_names = "; ".join(f"{plan.title} ({plan.act})" for plan in plans)
    sheet.append([f"{title} — {plan_names}" if plan_names else title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Filters: %(filters)s") % {"filters": filters}])
    sheet.append([_("Made at: %(moment)s (Vietnam time)") % {"moment": made}])
    sheet.cell(row=sheet.max_row + 1, column=1, value="")  # a blank row: append([]) adds none


def _header_row(sheet: Worksheet, header: Sequence[str]) -> None:
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def overdue_header() -> list[str]:
    return [
        _("Unit code"),
        _("Unit"),
        _("Obligation"),
        _("Year"),
        _("Due before"),
        _("Days overdue"),
        _("Last reminder"),
        _("Reminded"),
    ]


def overdue_line(row: OverdueRow) -> list:
    obligation, last = row.obligation, row.last_notice
    told = sorted(
        {
            n.recipient.get_full_name() or n.recipient.username
            for n in row.notices
            if last is not None and n.day == last.day
        }
    )
    return [
        obligation.unit.code,
        obligation.unit.name,
        obligation.definition.name,
        obligation.year,
        obligation.due_on,
        row.days_overdue,
        last.day if last is not None else None,
        ", ".join(told),
    ]


def workbook(
    *,
    rows: Sequence[UnitRow],
    total: Completeness,
    overdue: Sequence[OverdueRow],
    plans: Sequence[Plan],
    year: int,
    kind: str,
    definition: ObligationDefinition | None,
    at: dt.datetime,
) -> Workbook:
    """The totals sheet (the dashboard's table) and the overdue sheet (every period's overdue
    duties of the same kind of unit and obligation), each headed by title, filters and time."""
    made = vietnam_time(at)
    book = Workbook()
    totals = book.worksheets[0]
    totals.title = _("Totals")
    _heading(
        totals,
        title=_("Reporting completeness and timeliness %(year)s") % {"year": year},
        plans=plans,
        filters=filters_text(year=year, kind=kind, definition=definition),
        made=made,
    )
    table = table_rows(rows, total)
    _header_row(totals, table[0])
    for line in table[1:]:
        totals.append(line)
    for cell in totals[totals.max_row]:
        cell.font = Font(bold=True)
    _widths(totals, [24, 40, 10, 10, 10, 10, 10, 10, 16, 16])

    late = book.create_sheet(_("Overdue"))
    _heading(
        late,
        title=_("Overdue duties, every period"),
        plans=plans,
        filters=filters_text(year=None, kind=kind, definition=definition),
        made=made,
    )
    _header_row(late, overdue_header())
    for row in overdue:
        late.append(overdue_line(row))
        for column in (5, 7):
            late.cell(row=late.max_row, column=column).number_format = DATE
    _widths(late, [24, 40, 40, 8, 12, 12, 14, 40])
    return book


def xlsx_response(book: Workbook, *, name: str) -> HttpResponse:
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
