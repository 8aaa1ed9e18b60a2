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
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 20_000
#: An .xlsx is a zip: refuse workbooks that inflate beyond this (huge shared strings, zip bombs) before
#: openpyxl reads them. openpyxl parses through defusedxml (requirements.txt): no billion laughs, no XXE.
MAX_IMPORT_INFLATED_BYTES = 200 * 1024 * 1024
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: Blank rows are skipped but still cost time: stop after this many rows of any kind.
MAX_SCANNED_ROWS_FACTOR = 2
_READ_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OSError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    EOFError,
)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
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


def _not_xlsx() -> str:
    return _("This is not an Excel .xlsx file. Download the template and fill it in.")


def _too_many_rows(max_rows: int) -> str:
    return _("The file has more than %(n)d rows; split it into smaller files.") % {"n": max_rows}


def read_rows(upload, columns: Sequence[ImportColumn], max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Parse an uploaded workbook's first sheet against `columns` (matched by header text).

    Never raises for a bad file: everything wrong ends up in the report (`fatal` for the whole file,
    `errors` per cell), and `report.ok` is true only when every row parsed. Memory stays bounded:
    the file size and its inflated size are checked first, the sheet is streamed (read_only), and
    reading stops at `max_rows` (the sheet's declared dimension is checked before any row is read).
    """
    report = ImportReport()
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        report.fatal = _("The file is larger than %(mb)d MB; split it into smaller files.") % {
            "mb": MAX_IMPORT_BYTES // (1024 * 1024)
        }
        return report
    upload.seek(0)
    data = upload.read()
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        report.fatal = _not_xlsx()
        return report
    try:
        with zipfile.ZipFile(buffer) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except _READ_ERRORS:
        report.fatal = _not_xlsx()
        return report
    if inflated > MAX_IMPORT_INFLATED_BYTES:
        report.fatal = _("The file is too large once unpacked; split it into smaller files.")
        return report
    workbook = None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        declared = sheet.max_row if sheet.max_row is not None else 0
        # The header row plus max_rows; the declared dimension lets us refuse 100,000 rows at once.
        if declared > (max_rows + 1) * MAX_SCANNED_ROWS_FACTOR:
            report.fatal = _too_many_rows(max_rows)
            return report
        _read_sheet(sheet, columns, max_rows, report)
    except _READ_ERRORS:
        report.rows.clear()
        report.errors.clear()
        report.fatal = _not_xlsx()
    finally:
        if workbook is not None:
            workbook.close()
    return report


def _read_sheet(sheet, columns: Sequence[ImportColumn], max_rows: int, report: ImportReport) -> None:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or all(h is None for h in header):
        report.fatal = _("The sheet is empty.")
        return
    header_index = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
    missing = [c.header for c in columns if c.header not in header_index]
    if missing:
        report.fatal = _("Columns missing from the first row: %(cols)s") % {"cols": ", ".join(missing)}
        return
    scanned_limit = (max_rows + 1) * MAX_SCANNED_ROWS_FACTOR
    data_rows = 0
    for number, raw in enumerate(rows, start=2):
        if number > scanned_limit:
            report.fatal = _too_many_rows(max_rows)
            return
        if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        data_rows += 1
        if data_rows > max_rows:
            report.fatal = _too_many_rows(max_rows)
            return
        parsed: dict[str, Any] = {"_row": number}
        row_ok = True
        for column in columns:
            index = header_index[column.header]
            value = raw[index] if index < len(raw) else None
            if isinstance(value, (ArrayFormula, DataTableFormula)) or (
                isinstance(value, str) and value.strip().startswith("=")
            ):
                report.errors.append((number, column.header, _("Formulas are not accepted; type the value.")))
                row_ok = False
                continue
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                if column.required:
                    report.errors.append((number, column.header, _("This cell is required.")))
                    row_ok = False
                parsed[column.key] = None
                continue
            try:
                parsed[column.key] = column.parse(value)
            except ImportCellError as exc:
                report.errors.append((number, column.header, str(exc) or _("Invalid value.")))
                row_ok = False
            except (ValueError, TypeError, ArithmeticError, OverflowError):
                # A parser's own message ("invalid literal for int()") is not for users.
                report.errors.append(
                    (number, column.header, _("Invalid value: %(value)s") % {"value": str(value)[:50]})
                )
                row_ok = False
        if row_ok:
            report.rows.append(parsed)
