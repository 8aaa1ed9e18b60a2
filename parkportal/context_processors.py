from django.conf import settings

from parkportal.registry import nav_for


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": nav_for(user) if user is not None else [],
        "DEBUG": settings.DEBUG,
    }
