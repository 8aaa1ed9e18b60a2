"""Excel in and out (parkportal/excel.py): imports report every problem and never raise; exports never
let a spreadsheet evaluate user text."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from parkportal import excel
from parkportal.excel import ImportCellError, ImportColumn, read_rows, xlsx_response


def parse_count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ImportCellError("Type a whole number.")
    number = int(value)
    if number < 0:
        raise ImportCellError("Type a whole number of 0 or more.")
    return number


COLUMNS = [
    ImportColumn("Name", "name"),
    ImportColumn("Members", "members", parse=parse_count),
    ImportColumn(
        "Founded", "founded", parse=lambda v: v.date() if hasattr(v, "date") else date.fromisoformat(v), required=False
    ),
]


def workbook_bytes(rows, header=("Name", "Members", "Founded"), merge: str | None = None, write_only=False) -> bytes:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def up(data: bytes, name="import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=excel.XLSX_CONTENT_TYPE)


def test_good_rows_are_parsed():
    report = read_rows(up(workbook_bytes([("传化公路港", 12, "2020-05-01"), ("云集药业", "9", None)])), COLUMNS)
    assert report.ok, report.errors
    assert [r["members"] for r in report.rows] == [12, 9]
    assert report.rows[0]["founded"] == date(2020, 5, 1)


def test_wrong_types_are_reported_per_cell_with_a_message_for_people():
    report = read_rows(
        up(workbook_bytes([("A", "twelve", "not a date"), ("B", -3, "2020-02-30"), ("", 1, None)])), COLUMNS
    )
    assert not report.ok and not report.fatal
    cells = {(row, col) for row, col, _ in report.errors}
    assert cells == {(2, "Members"), (2, "Founded"), (3, "Members"), (3, "Founded"), (4, "Name")}
    messages = " ".join(m for _, _, m in report.errors)
    assert "invalid literal" not in messages and "Traceback" not in messages
    assert "twelve" in messages  # the user sees what was wrong


def test_formulas_are_refused():
    report = read_rows(up(workbook_bytes([("A", "=1+1", None), ('=HYPERLINK("http://x")', 3, None)])), COLUMNS)
    assert not report.ok
    assert {(r, c) for r, c, _ in report.errors} == {(2, "Members"), (3, "Name")}


def test_merged_cells_are_reported_not_guessed():
    data = workbook_bytes([("A", 1, None), ("B", 2, None)], merge="A2:A3")
    report = read_rows(up(data), COLUMNS)
    assert not report.ok
    assert (3, "Name", report.errors[0][2]) in report.errors  # the hidden half of the merge is empty


def test_missing_columns_and_empty_sheet():
    assert "Members" in read_rows(up(workbook_bytes([], header=("Name",))), COLUMNS).fatal
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_rows(up(buffer.getvalue()), COLUMNS).fatal


@pytest.mark.parametrize(
    "data",
    [
        b"Name,Members\nA,1\n",  # CSV renamed to .xlsx
        b"",
        b"PK\x03\x04garbage",
        b"%PDF-1.4 not a workbook",
    ],
)
def test_non_xlsx_files_are_refused_with_a_report(data):
    report = read_rows(up(data), COLUMNS)
    assert report.fatal and not report.rows


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert read_rows(up(buffer.getvalue()), COLUMNS).fatal


def test_a_workbook_with_broken_xml_is_refused():
    good = workbook_bytes([("A", 1, None)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            target.writestr(info, body)
    report = read_rows(up(buffer.getvalue()), COLUMNS)
    assert report.fatal and not report.rows


def test_xlsx_bomb_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(excel, "MAX_IMPORT_INFLATED_BYTES", 1024 * 1024)
    good = workbook_bytes([("A", 1, None)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
        huge = (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<si><t>"
            + b"A" * 5_000_000
            + b"</t></si></sst>"
        )
        target.writestr("xl/sharedStrings.xml", huge, zipfile.ZIP_DEFLATED)
    data = buffer.getvalue()
    assert len(data) < 100_000  # small on disk, 5 MB unpacked
    report = read_rows(up(data), COLUMNS)
    assert "unpacked" in report.fatal or "解压" in report.fatal


def test_billion_laughs_is_refused():
    """openpyxl parses through defusedxml (requirements.txt): entity expansion is refused, not run."""
    good = workbook_bytes([("A", 1, None)])
    doctype = (
        b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                start = body.index(b"<worksheet")
                body = body[:start] + doctype + body[start:].replace(b"<t>A</t>", b"<t>&lol3;</t>")
            target.writestr(info, body)
    report = read_rows(up(buffer.getvalue()), COLUMNS)
    assert report.fatal and not report.rows


def test_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(excel, "MAX_IMPORT_BYTES", 100)
    assert read_rows(up(workbook_bytes([("A", 1, None)])), COLUMNS).fatal


@pytest.fixture(scope="module")
def hundred_thousand_rows() -> dict[str, bytes]:
    rows = [(f"企业{i}", i, None) for i in range(100_000)]
    return {
        # A normal workbook declares its dimension (A1:C100001): refused before reading a row.
        "declared": workbook_bytes(rows),
        # A streamed workbook declares none: refused after max_rows rows, memory bounded by streaming.
        "streamed": workbook_bytes(rows, write_only=True),
    }


@pytest.mark.parametrize("kind", ["declared", "streamed"])
def test_100000_rows_are_refused_quickly_with_bounded_memory(hundred_thousand_rows, kind):
    data = hundred_thousand_rows[kind]
    tracemalloc.start()
    started = time.perf_counter()
    report = read_rows(up(data), COLUMNS)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "20000" in report.fatal
    # Declared: refused from the sheet's dimension before reading a row (milliseconds). Streamed: reads
    # 20,001 rows then stops (a few seconds; tracemalloc makes it ~5x slower on a busy machine).
    assert elapsed < (2 if kind == "declared" else 120), f"{elapsed:.1f}s"
    # The whole file is a few MB; streamed reading must not hold 100,000 rows of Python objects.
    assert peak < 80 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    print(f"{kind}: refused in {elapsed:.2f}s, peak {peak / 1e6:.1f} MB")


# --- exports
@pytest.mark.parametrize(
    "evil", ["=1+1", '=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_exported_text_is_never_a_formula(evil):
    response = xlsx_response("export", ["Name"], [[evil]])
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("'")  # openpyxl reads a stored \r back as \n
    assert response["Content-Disposition"].startswith('attachment; filename="export-')


def test_exported_numbers_and_dates_stay_typed():
    response = xlsx_response("export", ["n", "d"], [[-5, date(2024, 1, 2)]])
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == -5
    assert sheet["B2"].value.date() == date(2024, 1, 2)
