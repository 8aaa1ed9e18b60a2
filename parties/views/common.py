from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 50


def paginate(request: HttpRequest, queryset, per_page: int = PER_PAGE) -> Page:
    """One COUNT and one page query; a bad or out-of-range ?page= shows the nearest page instead of a 500."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
