"""What each app adds to the shared pages: navigation entries and dashboard cards.

Apps register in their AppConfig.ready(), so the shared templates never name an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse


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


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    cards: list[Callable] = field(default_factory=list)


_registry = _Registry()


def register_nav(*items: NavItem) -> None:
    _registry.nav.extend(items)


def register_cards(provider: Callable) -> Callable:
    """`provider(user) -> Iterable[Card]`; it must run a fixed number of queries."""
    _registry.cards.append(provider)
    return provider


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return sorted((i for i in _registry.nav if user.role in i.roles), key=lambda i: i.order)


def cards_for(user) -> list[Card]:
    cards: list[Card] = []
    for provider in _registry.cards:
        result: Iterable[Card] = provider(user) or []
        cards.extend(result)
    return cards
