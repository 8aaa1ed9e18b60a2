from __future__ import annotations

from urllib.parse import urlencode

from django import template

from parkportal.frame import languages_html, menu_html
from parkportal.masking import mask_id_number, mask_phone, mask_plate

register = template.Library()

register.filter("mask_phone", mask_phone)
register.filter("mask_id", mask_id_number)
register.filter("mask_plate", mask_plate)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(list(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def frame_menu(context) -> str:
    """The signed-in user's menu in the page frame (parkportal/frame.py)."""
    request = context.get("request")
    # The page's one token (the csrf context processor's, computed once per page), as {% csrf_token %} reads it.
    return menu_html(request, str(context.get("csrf_token") or "")) if request is not None else ""


@register.simple_tag(takes_context=True)
def frame_languages(context) -> str:
    """The language buttons in the page frame (parkportal/frame.py)."""
    request = context.get("request")
    return languages_html(request, str(context.get("csrf_token") or "")) if request is not None else ""
