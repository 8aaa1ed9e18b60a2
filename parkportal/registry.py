"""What each app adds to the shared pages: navigation entries and dashboard cards.

Apps register in their AppConfig.ready(), so the shared templates never name an app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Aggregate, QuerySet
from django.db.models.functions import JSONObject
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from parkportal import generations
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
        #: The moment a figure will change without any write (the next upcoming event starting): cached
        #: dashboards are not served after it. Cards that depend on the clock more finely than the day say so.
        self.expires: datetime | None = None

    def expire_at(self, moment: datetime | None) -> None:
        if moment is not None and timezone.is_naive(moment):  # SQLite's JSON gives the stored UTC, without offset
            moment = timezone.make_aware(moment, UTC)
        if moment is not None and (self.expires is None or moment < self.expires):
            self.expires = moment

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
    #: Every model (or table) a card provider reads, for any role: the cached dashboard's key is their generation.
    reads: set = field(default_factory=set)


_registry = _Registry()


def register_nav(*items: NavItem) -> None:
    _registry.nav.extend(items)
    _nav_memo.clear()


def register_cards(*, reads: Iterable) -> Callable[[CardProvider], CardProvider]:
    """Register `provider(user, figures)`: it asks `figures` for its aggregates and returns a function that
    builds its cards once they are fetched (or None for a role it has no cards for). Any other query it runs
    must be a fixed number, whatever the size of the data.

    `reads` names every model (or many-to-many table) the provider's queries touch for any role, scoping
    included: the home page caches the cards under their generations (parkportal/generations.py), and each
    needs a generation trigger (tests/parkportal/test_dashboard_cache.py checks both against the SQL run)."""

    def decorator(provider: CardProvider) -> CardProvider:
        _registry.cards.append(provider)
        _registry.reads.update(generations.tables_of(reads))
        return provider

    return decorator


def dashboard_tables() -> tuple[str, ...]:
    from parkportal.models import Park

    return generations.tables_of({*_registry.reads, Park})


# (role, language, script prefix) -> the role's menu entries as <li> HTML. The registry is fixed once the apps
# are ready, so this is rendered once per key per process instead of a reverse() per entry on every page.
_nav_memo: dict[tuple[str, str, str], str] = {}


def nav_html_for(user) -> str:
    """The <li> entries of the user's menu (the frame's menu and the home page's links)."""
    return nav_html_for_role(user.role) if user.is_authenticated else ""


def nav_html_for_role(role: str) -> str:
    """The <li> entries of a role's menu, in the active language."""
    key = (role, get_language() or "", get_script_prefix())
    if key not in _nav_memo:
        items = sorted((i for i in _registry.nav if role in i.roles), key=lambda i: i.order)
        _nav_memo[key] = format_html_join("", '<li><a href="{}">{}</a></li>', ((i.url, i.label) for i in items))
    return _nav_memo[key]


def dashboard_for(user, providers: Iterable[CardProvider] | None = None) -> tuple[list[Card], object]:
    """The cards of every registered provider (or of `providers`), and the user's park row."""
    figures = Figures(user.park_id)
    return _cards(user, figures, providers), figures.park


#: A cached dashboard is dropped after this long in any case; its key already changes with every write it shows.
DASHBOARD_TIMEOUT = 600


def home_dashboard_for(user) -> tuple[list[Card], str, str]:
    """The home page's cards, their HTML and the park's name, cached per user.

    Keyed on the generation of every table the cards read (read first: see parkportal/generations.py), the
    user's scoping fields, the language, the URL prefix and today's date (the figures of "today" and "this
    month"). A figure that changes with the clock within the day sets `Figures.expire_at`. Steady state: one
    query (the generation) instead of the figures' ≈ 12 ms of aggregates over the large park.
    """
    from parkportal.models import Park

    generation = generations.read(*dashboard_tables(), using=router.db_for_read(Park))
    scope = f"{user.pk}:{user.role}:{user.park_id}:{int(user.is_active)}"
    key = f"home:v1:{scope}:{get_language()}:{get_script_prefix()}:{timezone.localdate().isoformat()}:{generation}"
    cached = cache.get(key)
    if cached is not None and (cached[3] is None or timezone.now() < cached[3]):
        return cached[0], cached[1], cached[2]
    figures = Figures(user.park_id)
    # Plain strings: nothing lazy is pickled into the cache, and the entry is already in the key's language.
    cards = [
        replace(card, title=str(card.title), value=_plain(card.value), note=str(card.note))
        for card in _cards(user, figures)
    ]
    html = cards_html(cards)
    park_name = str(figures.park) if figures.park is not None else ""
    timeout = DASHBOARD_TIMEOUT
    if figures.expires is not None:
        timeout = max(1, min(timeout, int((figures.expires - timezone.now()).total_seconds()) + 1))
    cache.set(key, (cards, html, park_name, figures.expires), timeout)
    return cards, html, park_name


def _plain(value):
    return str(value) if isinstance(value, Promise) else value


def _cards(user, figures: Figures, providers: Iterable[CardProvider] | None = None) -> list[Card]:
    builders = [provider(user, figures) for provider in (_registry.cards if providers is None else providers)]
    figures.fetch()
    cards: list[Card] = []
    for build in builders:
        if build is not None:
            cards.extend(build())
    return cards


def cards_html(cards: Iterable[Card]) -> str:
    return mark_safe("".join(card.html() for card in cards))


def cards_for(user, *providers: CardProvider) -> list[Card]:
    return dashboard_for(user, providers or None)[0]
