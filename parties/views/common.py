from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.urls import reverse

PER_PAGE = 50


def paginate(request: HttpRequest, queryset, per_page: int = PER_PAGE) -> Page:
    """One COUNT and one page query; a bad or out-of-range ?page= shows the nearest page instead of a 500."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def pk_url_prefix(name: str) -> str:
    """The URL of `name` for pk=0 without its "0/": a row's link is then f"{prefix}{pk}/", as reverse() would
    give it, without one reverse() per row."""
    url = reverse(name, kwargs={"pk": 0})
    if not url.endswith("/0/"):
        raise ValueError(f"{name} does not end with <pk>/: {url}")
    return url[:-2]
