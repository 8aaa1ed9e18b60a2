"""The generation triggers (parkportal.generations): how often a write moves its table's counter.

A table is bumped once per batch of firings: per statement while the triggers are IMMEDIATE (the suite), once
per transaction when deferred (production). Bumping once per row made a bulk write quadratic on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from parkportal import generations
from parkportal.models import Generation, Park

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL trigger function")


def parks_generation() -> int:
    row = Generation.objects.filter(table_name="parkportal_park").first()
    return row.n if row else 0


def test_each_write_moves_the_generation_read_before_it(park):
    before = generations.read(Park)
    Park.objects.filter(pk=park.pk).update(short_name="新名")
    after_update = generations.read(Park)
    Park.objects.create(name="第二园区")
    after_insert = generations.read(Park)
    Park.objects.filter(name="第二园区").delete()

    assert len({before, after_update, after_insert, generations.read(Park)}) == 4


@on_postgresql
def test_a_statement_writing_many_rows_bumps_once():
    before = parks_generation()
    Park.objects.bulk_create(Park(name=f"园区{i}") for i in range(300))
    assert parks_generation() == before + 1

    Park.objects.filter(name__startswith="园区").update(short_name="批量")
    assert parks_generation() == before + 2


@on_postgresql
def test_a_rolled_back_savepoint_takes_its_bump_back_and_the_next_write_still_bumps(park):
    before = parks_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Park.objects.filter(pk=park.pk).update(short_name="撤销")
        assert parks_generation() == before + 1
        raise RuntimeError

    assert parks_generation() == before
    Park.objects.filter(pk=park.pk).update(short_name="保留")
    assert parks_generation() == before + 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_committed_transaction_bumps_each_table_it_wrote_once():
    """Deferred (as in production): every row's firing runs at COMMIT, and only the first one bumps."""
    before = parks_generation()
    with transaction.atomic():
        Park.objects.bulk_create(Park(name=f"导入{i}") for i in range(2000))
        Park.objects.filter(name__startswith="导入").update(short_name="导入")
        Park.objects.filter(name="导入0").delete()
    assert parks_generation() == before + 1

    with transaction.atomic():
        Park.objects.filter(name="导入1").update(short_name="再改")
    assert parks_generation() == before + 2
    assert Park.objects.filter(name__startswith="导入").count() == 1999
