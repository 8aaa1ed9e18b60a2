from __future__ import annotations

import logging
import time
from functools import partial

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from parkportal.sessions import reading_user_of

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


BAD_REQUEST_PAGE = (
    '<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8"><title>400</title></head><body>'
    "<h1>请求无效</h1><p>提交的内容含有不允许的控制字符，请删除后重试。</p>"
    '<p lang="en">The request contains characters that are not allowed (NUL). Remove them and try again.</p>'
    "</body></html>"
)


class RejectNulMiddleware:
    """Keep NUL characters away from PostgreSQL where no form field can refuse them.

    PostgreSQL cannot store NUL in text: psycopg2 raises ValueError ("A string literal cannot contain
    NUL") as soon as such a value reaches a query: a 500. Field *values* are left to the forms: Django's
    CharField refuses NUL with a message next to the field ("Null characters are not allowed"), which is
    what a user should see, and django-filter's fields do the same for query strings. What no form field
    checks is refused here, before any view:

    * NUL in the path: 404, the portal's usual page (no address has one; `<str:…>` converters would
      otherwise hand it to a lookup);
    * NUL in a field *name* (query string or form) or in an uploaded file's name: 400.

    Views that read `request.GET`/`request.POST` by hand, without a form, must validate too: the form
    fuzzer (tests/fuzzing.py) sends NUL in every field and fails on a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404  # no page has NUL in its address
        if self._bad_names(request):
            logger.warning("refused a request with NUL characters: %s %s", request.method, request.path)
            return HttpResponse(BAD_REQUEST_PAGE, status=400, content_type="text/html; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _bad_names(request) -> bool:
        if any("\x00" in key for key in request.GET):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            # Oversized or malformed bodies raise here exactly as they would in CsrfViewMiddleware;
            # Django turns them into 400 responses.
            post, files = request.POST, request.FILES
            if any("\x00" in key for key in post):
                return True
            for key, uploads in files.lists():
                if "\x00" in key or any("\x00" in (upload.name or "") for upload in uploads):
                    return True
        return False


def server_error(request, *args, **kwargs) -> HttpResponse:
    """handler500: the static 503 page when the failure was the database, else the plain 500 page.

    DatabaseUnavailableMiddleware only sees exceptions from the views and middleware inside it that
    reach it as exceptions; Django turns an exception raised in an inner middleware's response phase
    (a session saved after the database went away) into a 500 response first. This handler is called
    while that exception is being handled, so it can still tell a database outage from a bug.
    """
    import sys

    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        logger.error("database unavailable for %s %s", request.method, request.path)
        return unavailable_response()
    return HttpResponse(render_to_string("500.html"), status=500)


def _get_user(request):
    """Django's `get_user`, with the request's session as the one whose user is being read
    (parkportal/sessions.py: the backends take the user that came with the session)."""
    if not hasattr(request, "_cached_user"):
        with reading_user_of(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` read as `_get_user` reads it."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(partial(_get_user, request))
