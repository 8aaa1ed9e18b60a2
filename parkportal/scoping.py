"""The one mechanism that scopes every queryset reaching a page.

Each app's QuerySet subclasses `ScopedQuerySet` and says, per role, which rows a
user may see (`scope_<role>` methods). `visible_to(user)` dispatches on the
user's role; a role without a method sees nothing. Views fetch single objects
with `get_visible_or_404`, so an object outside a user's scope answers 404, and
guard pages with `role_required`, so a page outside a role answers 403 (or a
redirect to sign-in for anonymous visitors).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from parkportal.roles import Role

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet):
    #: Lookup from this model to its Park, e.g. "park" or "organisation__park".
    park_lookup: str | None = "park"

    def visible_to(self, user) -> ScopedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role != Role.DRIVER and user.park_id is None:
            return self.none()
        method = getattr(self, f"scope_{user.role}", None) if user.role else None
        if method is None:
            return self.none()
        return method(user)

    def in_park(self, park_id: int) -> ScopedQuerySet:
        if self.park_lookup is None:
            return self.none()
        return self.filter(**{self.park_lookup: park_id})

    def scope_park_admin(self, user) -> ScopedQuerySet:
        return self.in_park(user.park_id)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def get_visible_or_404(queryset, user, **lookups) -> M:
    """Fetch one object the user may see, or raise 404 (never 403: do not reveal existence)."""
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset.objects.all()
    try:
        return queryset.visible_to(user).get(**lookups)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def role_required(*roles: str) -> Callable:
    """Anonymous visitors are sent to sign in; signed-in users without one of `roles` get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles or not user.is_active:
                raise PermissionDenied
            if user.role != Role.DRIVER and user.park_id is None:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = tuple(roles)
        return wrapper

    return decorator


#: Everyone who works for the park in the office or on site.
OFFICE_ROLES = (Role.PARK_ADMIN, Role.SECRETARY)
