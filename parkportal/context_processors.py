from django.conf import settings
from django.urls import get_script_prefix

from parkportal.frame import frame_urls
from parkportal.registry import nav_html_for


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_html": nav_html_for(user) if user is not None else "",
        "base_urls": frame_urls(get_script_prefix()),
        "DEBUG": settings.DEBUG,
    }
