from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, reverse

from parkportal.registry import nav_html_for


@cache
def _base_urls(script_prefix: str) -> dict[str, str]:
    # The links every page's frame carries, resolved once per process instead of five reverse() per page.
    names = {"home": "home", "mfa": "mfa_index", "admin": "admin:index", "logout": "account_logout"}
    return {key: reverse(name) for key, name in names.items()} | {"set_language": reverse("set_language")}


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_html": nav_html_for(user) if user is not None else "",
        "base_urls": _base_urls(get_script_prefix()),
        "DEBUG": settings.DEBUG,
    }
