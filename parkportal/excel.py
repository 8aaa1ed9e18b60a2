"""Excel (.xlsx) in and out, with openpyxl.

Exports stream a workbook of the rows a page shows (as filtered). Imports are
all-or-nothing: `read_rows` reports every bad row and column before anything is
saved; the caller saves inside one transaction only when the report is empty.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 20_000


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # Never let a spreadsheet evaluate user text as a formula (CSV/formula injection).
        return "'" + value
    if value is None or isinstance(value, (int, float, date)):
        return value
    return str(value)


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "Sheet1")[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


def template_response(filename: str, headers: Sequence[str], example: Sequence[Any] = ()) -> HttpResponse:
    return xlsx_response(filename, headers, [example] if example else [], title=filename)


@dataclass
class ImportColumn:
    header: str
    key: str
    parse: Callable[[Any], Any] = lambda v: v
    required: bool = True


@dataclass
class ImportReport:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, column, message)
    fatal: str = ""

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.errors


class ImportCellError(ValueError):
    pass


def read_rows(upload, columns: Sequence[ImportColumn], max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Parse an uploaded workbook's first sheet against `columns` (matched by header text)."""
    report = ImportReport()
    upload.seek(0)
    data = upload.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        report.fatal = _("This is not an Excel .xlsx file. Download the template and fill it in.")
        return report
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError):
        report.fatal = _("This is not an Excel .xlsx file. Download the template and fill it in.")
        return report
    if not header:
        report.fatal = _("The sheet is empty.")
        return report
    header_index = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
    missing = [c.header for c in columns if c.header not in header_index]
    if missing:
        report.fatal = _("Columns missing from the first row: %(cols)s") % {"cols": ", ".join(missing)}
        return report
    for number, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        if len(report.rows) + len(report.errors) >= max_rows:
            report.fatal = _("The file has more than %(n)d rows; split it into smaller files.") % {"n": max_rows}
            return report
        parsed: dict[str, Any] = {"_row": number}
        row_ok = True
        for column in columns:
            index = header_index[column.header]
            value = raw[index] if index < len(raw) else None
            if isinstance(value, str):
                value = value.strip()
                if value.startswith("="):
                    report.errors.append((number, column.header, _("Formulas are not accepted; type the value.")))
                    row_ok = False
                    continue
            if value in (None, ""):
                if column.required:
                    report.errors.append((number, column.header, _("This cell is required.")))
                    row_ok = False
                parsed[column.key] = None
                continue
            try:
                parsed[column.key] = column.parse(value)
            except (ImportCellError, ValueError, TypeError) as exc:
                report.errors.append((number, column.header, str(exc) or _("Invalid value.")))
                row_ok = False
        if row_ok:
            report.rows.append(parsed)
    workbook.close()
    return report
