from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("parkportal.requests")


class RequestLogMiddleware:
    """One line per request: method, path (without the query string, which may hold personal data),
    status, milliseconds and the user's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else "-"
        logger.info("%s %s %s %.1fms user=%s", request.method, request.path, response.status_code, elapsed_ms, user_id)
        return response


def unavailable_response() -> HttpResponse:
    # Rendered from a template that needs no database, no context processors and no user.
    return HttpResponse(render_to_string("503.html"), status=503, headers={"Retry-After": "30"})


class DatabaseUnavailableMiddleware:
    """When the database is down, answer a static 503 page instead of a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError):
            logger.error("database unavailable for %s %s", request.method, request.path)
            return unavailable_response()

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error("database unavailable for %s %s", request.method, request.path)
            return unavailable_response()
        return None
