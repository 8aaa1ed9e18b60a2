"""The page frame's menu and language buttons (templates/base.html), written in Python.

Every page carries them; as template code they were the larger part of the frame's cost: about 175 µs of the
350 µs a signed-in page spent rendering base.html on the benchmark machine (docs/PERFORMANCE.md, round 8),
which every signed-in page pays before its own content. What does not change between requests (the links,
labels and buttons for a role, language and URL prefix) is built once per process; per request only the
user's name, the CSRF token and the current address are put in, each escaped.

The markup is what the template wrote; tests/parkportal/test_frame.py renders the template version
(tests/templates/frame_reference.html) next to these and compares them for every role and both languages.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import get_script_prefix, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from parkportal.registry import nav_html_for_role
from parkportal.roles import Role


@cache
def frame_urls(script_prefix: str) -> dict[str, str]:
    """The links every page's frame carries, resolved once per process and URL prefix instead of per page."""
    names = {"home": "home", "mfa": "mfa_index", "admin": "admin:index", "logout": "account_logout"}
    return {key: reverse(name) for key, name in names.items()} | {"set_language": reverse("set_language")}


def _csrf_input(token: str) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


@cache
def _menu_parts(role: str, is_staff: bool, language: str, script_prefix: str) -> tuple[str, str, str]:
    """The menu around the user's name and the CSRF field: (before the name, between them, after the field).
    `language` and `script_prefix` are in the key because the labels and links depend on them (and the cache
    holds one entry per role, staff flag, language and prefix: a few dozen)."""
    urls = frame_urls(script_prefix)
    menu_items = [format_html('<li><a href="{}">{}</a></li>', urls["home"], _("Home")), nav_html_for_role(role)]
    if role == Role.PARK_ADMIN:
        menu_items.append(format_html('<li><a href="{}">{}</a></li>', urls["mfa"], _("Two-factor sign-in")))
    if is_staff:
        menu_items.append(format_html('<li><a href="{}">{}</a></li>', urls["admin"], _("Back office")))
    before = format_html(
        '<details class="menu">\n<summary>{}</summary>\n<nav aria-label="{}">\n<ul>\n{}\n<li class="who">',
        _("Menu"),
        _("Main"),
        mark_safe("\n".join(menu_items)),  # each item is format_html's
    )
    # As get_role_display(): the role's label, or the stored value itself if it is none of the roles.
    label = dict(Role.choices).get(role, role)
    between = format_html(' · {}</li>\n<li>\n<form method="post" action="{}">', label, urls["logout"])
    after = format_html(
        '\n<button type="submit" class="linklike">{}</button>\n</form>\n</li>\n</ul>\n</nav>\n</details>',
        _("Sign out"),
    )
    return before, between, after


def menu_html(request, csrf_token: str | None = None) -> SafeString:
    """The signed-in user's menu (empty for a visitor). `csrf_token`: the page's (the template context's, masked
    once per page: a mask costs 40 µs), else a new one."""
    # No user on a request refused before AuthenticationMiddleware (a 404 for NUL in the path).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return mark_safe("")
    before, between, after = _menu_parts(user.role, user.is_staff, get_language() or "", get_script_prefix())
    token = csrf_token or get_token(request)
    return mark_safe(before + escape(str(user)) + between + _csrf_input(token) + after)


@cache
def _language_parts(language: str, script_prefix: str) -> tuple[str, str]:
    """The language form around the CSRF field and the current address: (its start, its buttons and end)."""
    start = format_html('<form action="{}" method="post" class="lang">', frame_urls(script_prefix)["set_language"])
    buttons = []
    for code, _name in settings.LANGUAGES:
        current = " current" if code == language else ""
        buttons.append(
            format_html(
                '<button type="submit" name="language" value="{}" class="linklike{}" lang="{}">{}</button>',
                code,
                current,
                code,
                get_language_info(code)["name_local"],
            )
        )
    return start, mark_safe("\n".join(buttons) + "\n</form>")  # each button is format_html's


def languages_html(request, csrf_token: str | None = None) -> SafeString:
    """The footer's language buttons: a form that posts the language and comes back to this address.
    `csrf_token` as for menu_html."""
    start, end = _language_parts(get_language() or "", get_script_prefix())
    current = escape(request.get_full_path())
    token = csrf_token or get_token(request)
    return mark_safe(f'{start}{_csrf_input(token)}\n<input name="next" type="hidden" value="{current}">\n{end}')
