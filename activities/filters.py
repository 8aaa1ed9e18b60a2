from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Audience, Event, EventKind, EventStatus
from parties.models import Organisation


class EventFilter(django_filters.FilterSet):
    """List filters: kind, organiser, date, audience (and status for organisers)."""

    kind = django_filters.ModelChoiceFilter(label=_("kind"), queryset=EventKind.objects.none())
    organiser = django_filters.ModelChoiceFilter(label=_("organiser"), queryset=Organisation.objects.none())
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="starts_at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="starts_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    audience = django_filters.ChoiceFilter(label=_("audience"), choices=Audience.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=EventStatus.choices)

    class Meta:
        model = Event
        fields = ["kind", "organiser", "date_from", "date_to", "audience", "status"]

    def __init__(self, *args, user=None, park_id=None, manage: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        park_id = park_id if park_id is not None else getattr(user, "park_id", None)
        kinds = EventKind.objects.all() if park_id is None else EventKind.objects.filter(park_id=park_id)
        self.filters["kind"].queryset = kinds
        if manage and user is not None:
            self.filters["organiser"].queryset = Organisation.objects.visible_to(user).order_by("path")
        else:
            del self.filters["organiser"]
            del self.filters["status"]
