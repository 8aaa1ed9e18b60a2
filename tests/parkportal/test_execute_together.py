"""parkportal.rows.execute_prepared_together: several statements in one round trip, one transaction (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from parkportal.models import Park
from parkportal.rows import execute_prepared_together, statement_name

pytestmark = pytest.mark.postgres

INSERT = 'INSERT INTO "parkportal_park" (name, short_name, created) VALUES (%s, %s, now()) RETURNING id'
COUNT = 'SELECT COUNT(*) FROM "parkportal_park" WHERE short_name = %s'
FAIL = "SELECT 1 / (%s::integer - 1)"


def _together(*statements: tuple[str, list]) -> list:
    with connection.cursor() as cursor:
        execute_prepared_together(
            connection, cursor, [(statement_name("portal_test", sql), sql, params) for sql, params in statements]
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_cursor_holds_the_last_statements_rows_and_the_second_time_only_executes():
    assert _together((INSERT, ["甲园区一", "甲"]), (COUNT, ["甲"])) == [(1,)]
    with CaptureQueriesContext(connection) as queries:
        assert _together((INSERT, ["甲园区二", "甲"]), (COUNT, ["甲"])) == [(2,)]
    [sent] = [query["sql"] for query in queries.captured_queries]
    assert sent.startswith("EXECUTE portal_test_") and "; EXECUTE portal_test_" in sent


@pytest.mark.django_db
def test_behind_a_pooler_the_statements_go_as_they_are_in_one_query():
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        with CaptureQueriesContext(connection) as queries:
            assert _together((INSERT, ["乙园区", "乙"]), (COUNT, ["乙"])) == [(1,)]
        [sent] = [query["sql"] for query in queries.captured_queries]
        assert sent.startswith('INSERT INTO "parkportal_park"') and "; SELECT COUNT(*)" in sent
    finally:
        connection.settings_dict.pop("DISABLE_SERVER_SIDE_CURSORS")


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_a_failing_statement_takes_the_earlier_ones_back():
    """The statements of one simple query are one transaction: the check-in's lock and insert, and the
    registration tap's, rely on it."""
    assert connection.get_autocommit()
    with pytest.raises(DataError):  # division by zero
        _together((INSERT, ["丙园区", "丙"]), (FAIL, [1]))
    assert not Park.objects.filter(name="丙园区").exists()
    assert _together((INSERT, ["丙园区", "丙"]), (FAIL, [2])) == [(1,)]
    assert Park.objects.filter(name="丙园区").count() == 1
