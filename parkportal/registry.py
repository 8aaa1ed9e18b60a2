"""What each app adds to the shared pages: navigation entries and dashboard cards.

Apps register in their AppConfig.ready(), so the shared templates never name an app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Aggregate, QuerySet
from django.db.models.functions import JSONObject
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from parkportal.rows import instance_reader


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 50

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class Card:
    """A figure on the home dashboard."""

    title: str
    value: object
    url: str = ""
    note: str = ""
    tone: str = ""  # "", "warn" or "alert"
    group: str = ""

    def html(self) -> str:
        """The card's markup (the markup the home template wrote for each card until it was built here; a test compares the two): a link
        when it has a URL. Built here because the dashboard's twenty-odd cards through the template engine cost
        about a millisecond a page."""
        css = f"card card-{self.tone}" if self.tone else "card"
        note = format_html('<span class="card-note">{}</span>', self.note) if self.note else ""
        body = format_html(
            '<span class="card-title">{}</span><span class="card-value">{}</span>{}', self.title, self.value, note
        )
        if self.url:
            return format_html('<a class="{}" href="{}">{}</a>', css, self.url, body)
        return format_html('<div class="{}">{}</div>', css, body)


class Figures:
    """Scalar aggregates asked for by every app's dashboard cards, fetched together in ONE query.

    Each `aggregate(queryset, **aggregates)` call becomes one scalar subquery, a JSON object of its aggregates
    (one pass over its rows however many figures it yields), in a single SELECT anchored on the user's park
    row: the home dashboard costs one round trip for all its figures, however many apps add cards, instead of
    one or two per app. Values are read after `fetch()` from the dict `aggregate()` returned.
    """

    def __init__(self, park_id: int | None):
        self.park_id = park_id
        self.park = None
        self._parts: list[tuple[dict, QuerySet, dict[str, Aggregate]]] = []

    def aggregate(self, queryset: QuerySet, **aggregates: Aggregate) -> dict:
        values: dict = {}
        self._parts.append((values, queryset, aggregates))
        return values

    def fetch(self) -> None:
        from parkportal.models import Park

        if self.park_id is None:  # nothing to anchor on (a superuser without a park): one query per queryset
            for values, queryset, aggregates in self._parts:
                values.update(queryset.aggregate(**aggregates))
            return
        using = router.db_for_read(Park)
        connection = connections[using]
        # Each part's SQL comes from the ORM, compiled on its own: grouped by a constant, so no GROUP BY at all
        # and one row of aggregates over the whole queryset, even an empty one. The parts are then written as
        # scalar subqueries of one SELECT on the park row by hand, not through annotate(Subquery(…)): resolving
        # the subqueries into the park's query cloned every one of them again, a third of the page's CPU.
        parts = [_aggregate_sql(queryset, aggregates, connection) for _values, queryset, aggregates in self._parts]
        park_compiler = Park.objects.filter(pk=self.park_id).query.get_compiler(connection=connection)
        park_sql, park_params = park_compiler.as_sql()
        width, read_park = instance_reader(park_compiler)
        sql = "SELECT {} FROM ({}) park".format(
            ", ".join(["park.*", *(f"({part_sql})" for part_sql, _params in parts)]), park_sql
        )
        params = [param for _sql, part_params in parts for param in part_params] + list(park_params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return
        self.park = read_park(row[:width], using)
        for (values, _queryset, _aggregates), figures in zip(self._parts, row[width:], strict=True):
            values.update((json.loads(figures) if isinstance(figures, str) else figures) or {})


def _aggregate_sql(queryset: QuerySet, aggregates: dict[str, Aggregate], connection) -> tuple[str, tuple]:
    """`SELECT <aggregates as one JSON object> FROM … WHERE …` of `queryset`: one row over all its rows.

    Built on one copy of the queryset's Query rather than through values()/annotate()/values(), which
    cloned it (WHERE tree and all) three times more and set up a GROUP BY only to drop it again: a third of the
    figures' CPU. With no GROUP BY, the aggregate covers the whole queryset, as QuerySet.aggregate() would.
    """
    query = queryset.query.chain()
    if query.group_by is not None or query.distinct or query.is_sliced or query.combinator:
        # Each would change what the aggregate runs over (or give more than one row): say so at once.
        raise ValueError("Figures.aggregate() takes a plain filtered queryset (no grouping, DISTINCT, slice or union)")
    query.clear_ordering(force=True)
    query.clear_select_clause()
    query.add_annotation(JSONObject(**aggregates), "v", select=True)
    return query.get_compiler(connection=connection).as_sql()


CardProvider = Callable[..., "Callable[[], Iterable[Card]] | None"]


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    cards: list[CardProvider] = field(default_factory=list)


_registry = _Registry()


def register_nav(*items: NavItem) -> None:
    _registry.nav.extend(items)
    _nav_memo.clear()


def register_cards(provider: CardProvider) -> CardProvider:
    """`provider(user, figures)` asks `figures` for its aggregates and returns a function that builds its
    cards once they are fetched (or None for a role it has no cards for). Any other query it runs must be
    a fixed number, whatever the size of the data."""
    _registry.cards.append(provider)
    return provider


# (role, language, script prefix) -> the role's menu entries as <li> HTML. The registry is fixed once the apps
# are ready, so this is rendered once per key per process instead of a reverse() per entry on every page.
_nav_memo: dict[tuple[str, str, str], str] = {}


def nav_html_for(user) -> str:
    """The <li> entries of the user's menu (the frame's menu and the home page's links)."""
    if not user.is_authenticated:
        return ""
    key = (user.role, get_language() or "", get_script_prefix())
    if key not in _nav_memo:
        items = sorted((i for i in _registry.nav if user.role in i.roles), key=lambda i: i.order)
        _nav_memo[key] = format_html_join("", '<li><a href="{}">{}</a></li>', ((i.url, i.label) for i in items))
    return _nav_memo[key]


def dashboard_for(user, providers: Iterable[CardProvider] | None = None) -> tuple[list[Card], object]:
    """The cards of every registered provider (or of `providers`), and the user's park row."""
    figures = Figures(user.park_id)
    builders = [provider(user, figures) for provider in (_registry.cards if providers is None else providers)]
    figures.fetch()
    cards: list[Card] = []
    for build in builders:
        if build is not None:
            cards.extend(build())
    return cards, figures.park


def cards_html(cards: Iterable[Card]) -> str:
    return mark_safe("".join(card.html() for card in cards))


def cards_for(user, *providers: CardProvider) -> list[Card]:
    return dashboard_for(user, providers or None)[0]
