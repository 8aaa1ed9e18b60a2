from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mediation.models import Case, DisputeType, MediationBody, Status


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=60)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    dispute_type = django_filters.ChoiceFilter(label=_("Dispute type"), choices=DisputeType.choices)
    body = django_filters.ModelChoiceFilter(label=_("Mediation body"), queryset=MediationBody.objects.none())
    open = django_filters.BooleanFilter(label=_("Open cases only"), method="only_open", widget=forms.CheckboxInput)
    overdue = django_filters.BooleanFilter(label=_("Clock run out"), method="only_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = Case
        fields = ["q", "status", "dispute_type", "body", "open", "overdue"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only bodies that have cases in the user's scope (a park has hundreds of enterprise committees).
        with_cases = Case.objects.visible_to(user).values("body_id")
        self.filters["body"].queryset = (
            MediationBody.objects.visible_to(user).filter(pk__in=with_cases).order_by("-kind", "name")
        )

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
