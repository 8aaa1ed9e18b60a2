"""parkportal.querycache: what is kept is keyed on the generations of every table the queries read."""

from __future__ import annotations

import pytest
from django.db import connection

from parkportal import generations, querycache
from parkportal.models import Park
from parties.models import Enterprise, Organisation

pytestmark = pytest.mark.django_db


def test_every_tracked_table_carries_its_generation_trigger():
    for table in querycache.TRACKED:
        assert generations.installed(connection, table), f"{table} has no generation trigger (add a migration)"


def test_the_key_names_every_table_the_sql_reads(tree):
    queryset = Enterprise.objects.filter(platform__organisation__name="x").values("name", "instructor__name")
    key = querycache.key(queryset)
    assert key is not None
    assert set(key[1]) == {"parties_enterprise", "parties_organisation", "parties_instructor"}
    subquery = Enterprise.objects.filter(organisation__in=Organisation.objects.filter(name="x").values("pk"))
    assert "parties_organisation" in querycache.key(subquery)[1]


def test_a_write_without_signals_moves_the_key(tree):
    queryset = Organisation.objects.order_by("path").values_list("name", flat=True)
    key = querycache.key(queryset)
    assert querycache.key(queryset) == key
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="改")
    assert querycache.key(queryset) != key


def test_different_sql_or_parameters_are_different_keys(park, other_park):
    assert querycache.key(Organisation.objects.filter(park=park)) != querycache.key(
        Organisation.objects.filter(park=other_park)
    )


def test_a_query_over_a_table_without_generations_or_matching_nothing_is_not_kept():
    assert querycache.key(Park.objects.all()) is None
    assert querycache.key(Organisation.objects.none()) is None
    made = []
    assert querycache.get(None, lambda: made.append(1) or "x") == "x"
    assert querycache.get(None, lambda: made.append(1) or "x") == "x"
    assert made == [1, 1]
