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


def _enterprises_of(user, built: list):
    built.append(user.pk)
    return [Enterprise.objects.visible_to(user).order_by("name")]


def test_key_for_compiles_once_per_viewer_and_data(settings, sam, alice, tree):
    settings.QUERYCACHE_VERIFY = False
    built: list = []
    first = querycache.key_for(sam, "enterprises", lambda: _enterprises_of(sam, built))
    assert first == querycache.key(Enterprise.objects.visible_to(sam).order_by("name"))
    assert querycache.key_for(sam, "enterprises", lambda: _enterprises_of(sam, built)) == first
    assert built == [sam.pk]  # the second key came from the kept compile
    # Another viewer, another scope: compiled for them.
    assert querycache.key_for(alice, "enterprises", lambda: _enterprises_of(alice, built)) != first
    assert built == [sam.pk, alice.pk]


def test_key_for_compiles_again_when_the_scope_moves(settings, sam, tree):
    """The secretary's committee moves under the other 综合党委: her scope's path is a parameter of the SQL, read
    from the organisations, so any write to a tracked table compiles again and the key follows the new path."""
    settings.QUERYCACHE_VERIFY = False
    before = querycache.key_for(sam, "enterprises", lambda: _enterprises_of(sam, []))
    tree["g1"].secretary_user = None
    tree["g1"].save()
    tree["c2"].secretary_user = sam
    tree["c2"].save()
    sam = type(sam).objects.get(pk=sam.pk)  # (a new request: her root path is cached on the user object)
    after = querycache.key_for(sam, "enterprises", lambda: _enterprises_of(sam, []))
    assert after == querycache.key(Enterprise.objects.visible_to(sam).order_by("name"))
    assert after[3] != before[3]  # the statements themselves differ, not only the generations


def test_the_suite_catches_a_builder_that_reads_more_than_its_signature(sam, tree):
    """QUERYCACHE_VERIFY (on in every test) compiles each kept compile again: a builder whose SQL depends on
    something the signature lacks (here a name it is handed) fails loudly instead of keying on old SQL."""
    wanted = {"name": "传化公路港"}

    def build():
        return [Enterprise.objects.visible_to(sam).filter(name=wanted["name"])]

    querycache.key_for(sam, "by name", build)
    wanted["name"] = "云集药业"
    with pytest.raises(AssertionError, match="compiled differently"):
        querycache.key_for(sam, "by name", build)
