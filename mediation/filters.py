from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from mediation.models import Case, DisputeType, MediationBody, Status
from parkportal.widgets import FastSelect


def bodies_with_cases(user):
    """The body filter's bodies: only those that have cases in the user's scope (a park has hundreds of enterprise
    committees). Of a body the user sees (a mediator: their bodies; a park administrator: the park's), every case
    of the park is in their scope, so EXISTS on the park's cases says the same as IN (their visible cases) and
    stops at the first case of each body instead of collecting all of them."""
    with_cases = Exists(Case.objects.filter(park_id=user.park_id, body_id=OuterRef("pk")))
    return MediationBody.objects.visible_to(user).filter(with_cases).order_by("-kind", "name")


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=60)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, widget=FastSelect)
    dispute_type = django_filters.ChoiceFilter(label=_("Dispute type"), choices=DisputeType.choices, widget=FastSelect)
    body = django_filters.ModelChoiceFilter(
        label=_("Mediation body"), queryset=MediationBody.objects.none(), widget=FastSelect
    )
    open = django_filters.BooleanFilter(label=_("Open cases only"), method="only_open", widget=forms.CheckboxInput)
    overdue = django_filters.BooleanFilter(label=_("Clock run out"), method="only_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = Case
        fields = ["q", "status", "dispute_type", "body", "open", "overdue"]

    def __init__(self, *args, user, body_choices=None, **kwargs):
        """`body_choices`: the (pk, name) rows of `bodies_with_cases(user)` when the caller has read them already
        (the unfiltered list reads them by a prepared statement); otherwise they are read here."""
        super().__init__(*args, **kwargs)
        bodies = bodies_with_cases(user)
        self.filters["body"].queryset = bodies  # validates a chosen body
        # The select's options from (pk, name) rows: the field's own choices are model instances read through a
        # server-side cursor (DECLARE, FETCH, CLOSE) at each rendering. Same values and labels (str(body) is the
        # name); the empty choice as the field has it.
        field = self.form.fields["body"]
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        if body_choices is None:
            body_choices = bodies.values_list("pk", "name")
        field.widget.choices = [*empty, *body_choices]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(matter__icontains=value)
            | Q(respondent_name__icontains=value)
            | Q(respondent_enterprise__name__icontains=value)
            | Q(applicants__name__icontains=value)
        ).distinct()

    def only_open(self, queryset, name, value):
        return queryset.open() if value else queryset

    def only_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset
