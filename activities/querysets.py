"""Who sees which events and registrations.

- park administrators: their park; secretaries: events organised in their subtree;
- desk staff: their park's published events (they run the door);
- drivers, instructors, mediators: published (and cancelled) events; a driver only their own registrations.
The public event pages (shareable in WeChat) use `public()`: published or cancelled events, any visitor.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from parkportal.scoping import ScopedQuerySet
from parties.querysets import subtree_q

PUBLIC_STATUSES = ("published", "cancelled")
HOLDING = ("confirmed", "attended")


class EventKindQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        return self.filter(park_id=user.park_id)


class EventQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def public(self):
        return self.filter(status__in=PUBLIC_STATUSES)

    def for_visitor(self, user):
        """The public event pages: published and cancelled events; a signed-in user's own park only."""
        qs = self.public()
        park_id = getattr(user, "park_id", None) if getattr(user, "is_authenticated", False) else None
        return qs.filter(park_id=park_id) if park_id else qs

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now())

    def with_places(self):
        """Annotate `taken`: places held by confirmed and attended registrations (one aggregate join)."""
        return self.annotate(
            taken=Coalesce(Sum("registrations__places", filter=Q(registrations__status__in=HOLDING)), 0)
        )

    def scope_secretary(self, user):
        return self.filter(subtree_q(user, "organiser"), park_id=user.park_id)

    def scope_desk(self, user):
        return self.filter(park_id=user.park_id, status="published")

    def _public_for(self, user):
        qs = self.public()
        return qs.filter(park_id=user.park_id) if user.park_id else qs

    def scope_driver(self, user):
        return self._public_for(user)

    def scope_instructor(self, user):
        return self._public_for(user)

    def scope_mediator(self, user):
        return self._public_for(user)


class RegistrationQuerySet(ScopedQuerySet):
    park_lookup = "park"  # the event's park, copied (Registration.park)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_park()
        return super().bulk_create(objs, *args, **kwargs)

    def active(self):
        return self.exclude(status="cancelled")

    def scope_secretary(self, user):
        return self.filter(subtree_q(user, "event__organiser"), park_id=user.park_id)

    def scope_desk(self, user):
        return self.filter(park_id=user.park_id, event__status="published")

    def scope_driver(self, user):
        return self.filter(user=user)


class OutcomeQuerySet(ScopedQuerySet):
    park_lookup = "event__park"

    def scope_secretary(self, user):
        return self.filter(subtree_q(user, "event__organiser"), event__park_id=user.park_id)


def taken_expression():
    """The places held of the event (confirmed or attended, family included) as an expression of an event
    query, for an event with a place limit (NULL without one): a scalar subquery the CASE evaluates only
    where it is needed. What `attach_taken` and `places_left()` count, inside the page's one statement."""
    from activities.models import Registration

    held = (
        Registration.objects.filter(event=OuterRef("pk"), status__in=HOLDING)
        .order_by()
        .values("event")
        .annotate(n=Sum("places"))
        .values("n")
    )
    return Case(When(capacity__isnull=False, then=Coalesce(Subquery(held), 0)), output_field=IntegerField())


def attach_taken(events, *, limited_only: bool = False) -> list:
    """Set `taken` on a page of events with ONE aggregate query (cheaper than annotating the whole list).

    limited_only: count only the events with a place limit (a list that shows "no limit" for the others);
    those are left without `taken`.
    """
    from activities.models import Registration

    events = list(events)
    ids = [e.pk for e in events if not limited_only or e.capacity is not None]
    rows = (
        Registration.objects.filter(event_id__in=ids, status__in=HOLDING)
        .order_by()  # the model's ordering would join the event table for nothing
        .values("event_id")
        .annotate(n=Sum("places"))
        .values_list("event_id", "n")
    )
    taken = dict(rows) if ids else {}
    for event in events:
        if not limited_only or event.capacity is not None:
            event.taken = taken.get(event.pk, 0)
    return events
