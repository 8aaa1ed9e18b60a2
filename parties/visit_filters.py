"""Filters of the visits list (and of its Excel export, which is the list as filtered).

Selects are FastSelects with choices read by values_list (parkportal.widgets): no template and no model instance
per option.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from parkportal.widgets import FastSelect, ValuesModelChoiceField
from parties.models import Instructor, Organisation, VisitKind, VisitProblem


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    """A model choice labelled by its name, listed without model instances."""

    field_class = ValuesModelChoiceField


class VisitFilter(django_filters.FilterSet):
    instructor = NamedChoiceFilter(
        label=_("Instructor"), queryset=Instructor.objects.none(), empty_label=_("All instructors")
    )
    enterprise = django_filters.CharFilter(label=_("Enterprise"), method="filter_enterprise")
    enterprise_id = django_filters.NumberFilter(
        field_name="enterprise_id", widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1, decimal_places=0
    )
    committee = NamedChoiceFilter(
        label=_("Committee"),
        queryset=Organisation.objects.none(),
        method="filter_committee",
        empty_label=_("All committees"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of visit"), choices=VisitKind.choices, empty_label=_("All kinds"), widget=FastSelect
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    open_problems = django_filters.BooleanFilter(
        label=_("Has open problems"), method="filter_open_problems", widget=forms.CheckboxInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["instructor"].queryset = Instructor.objects.visible_to(user).order_by("name")
        self.filters["committee"].queryset = (
            Organisation.objects.visible_to(user).filter(kind="committee").order_by("path")
        )

    def filter_enterprise(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(enterprise__name__icontains=value) | Q(enterprise__platform__name__icontains=value))

    def filter_committee(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__organisation__path__startswith=value.path)
            | Q(enterprise__platform__organisation__path__startswith=value.path)
        )

    def filter_open_problems(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(VisitProblem.objects.filter(visit=OuterRef("pk")).exclude(state="solved")))
