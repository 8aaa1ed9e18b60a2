"""Filters of the visits list (and of its Excel export, which is the list as filtered).

Selects are FastSelects with choices read by values_list (parkportal.widgets): no template and no model instance
per option.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from parkportal.widgets import FastSelect, ValuesChoiceIterator, ValuesModelChoiceField
from parties.models import Instructor, Organisation, VisitKind, VisitProblem
from parties.visit_querysets import instructor_scope, is_instructor


class PresetChoiceIterator(ValuesChoiceIterator):
    """The field's `preset_rows` ((pk, name) read already, in the queryset's order) when it has them, else the
    queryset's rows. Validation still goes through the queryset (`to_python`)."""

    def __iter__(self):
        rows = self.field.preset_rows
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, *labels in rows:
            yield (pk, self.field.label_from_values(*labels))

    def __len__(self):
        rows = self.field.preset_rows
        return super().__len__() if rows is None else len(rows) + (self.field.empty_label is not None)

    def __bool__(self):
        rows = self.field.preset_rows
        return super().__bool__() if rows is None else bool(rows) or self.field.empty_label is not None


class PresetValuesModelChoiceField(ValuesModelChoiceField):
    iterator = PresetChoiceIterator

    def __init__(self, *args, preset_rows: list[tuple] | None = None, **kwargs):
        self.preset_rows = preset_rows
        super().__init__(*args, **kwargs)


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    """A model choice labelled by its name, listed without model instances."""

    field_class = PresetValuesModelChoiceField


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
        if is_instructor(user):
            # The same choices, read with the instructor's scope (one query the list needs anyway), not by two.
            scope = instructor_scope(user)
            self.filters["instructor"].extra["preset_rows"] = scope.instructors
            self.filters["committee"].extra["preset_rows"] = scope.committees
            if not self.is_bound:
                return  # nothing to validate: the querysets (≈ 0.5 ms to build) are not needed
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
