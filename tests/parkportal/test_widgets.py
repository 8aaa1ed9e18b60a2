"""FastSelect renders what Django's Select renders (compared as parsed HTML), and the values-based choice fields
list their choices without model instances yet clean to model instances."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from parkportal.models import Park
from parkportal.widgets import (
    FastSelect,
    FastSelectMultiple,
    ValuesModelChoiceField,
    ValuesModelMultipleChoiceField,
)

CHOICES = [("", "---------"), (1, "一"), ("2", '<b>two</b> & "quoted"'), (3, "three")]
GROUPED = [("", "---------"), ("North & co", [(1, "一"), (2, "二")]), ("South", [(3, "三"), ("3", "dup")]), (4, "四")]


def same_html(a: str, b: str) -> bool:
    return parse_html(a) == parse_html(b)


@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []])
@pytest.mark.parametrize("value", [None, "", 1, "2", "3", 3, "nope", ["1", "3"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_x"}, {"id": "id_x", "required": True, "disabled": False, "aria-invalid": "true", "data-n": 0}],
)
def test_fast_select_renders_what_select_renders(choices, value, attrs):
    fast = FastSelect(choices=choices, attrs={"class": "wide"}).render("x", value, attrs)
    django = forms.Select(choices=choices, attrs={"class": "wide"}).render("x", value, attrs)
    assert same_html(fast, django), (fast, django)


@pytest.mark.parametrize("choices", [CHOICES, GROUPED])
@pytest.mark.parametrize("value", [None, [], ["1", "3"], [1, 2, 3], "2"])
def test_fast_select_multiple_renders_what_select_multiple_renders(choices, value):
    fast = FastSelectMultiple(choices=choices).render("x", value, {"id": "id_x"})
    django = forms.SelectMultiple(choices=choices).render("x", value, {"id": "id_x"})
    assert same_html(fast, django), (fast, django)
    assert "multiple" in fast


def test_a_single_select_marks_only_its_first_match():
    html = FastSelect(choices=GROUPED).render("x", "3")
    assert html.count(" selected") == 1
    assert '<option value="3" selected>三</option>' in html


def test_labels_and_values_are_escaped_and_safe_labels_are_kept():
    html = FastSelect(choices=[('"><script>', "<script>x</script>"), (1, mark_safe("<i>ok</i>"))]).render("x", None)
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&quot;&gt;&lt;script&gt;" in html
    assert "<i>ok</i>" in html


def test_multiple_reads_every_submitted_value():
    from django.http import QueryDict

    widget = FastSelectMultiple(choices=CHOICES)
    assert widget.value_from_datadict(QueryDict("x=1&x=3"), {}, "x") == ["1", "3"]
    assert widget.value_omitted_from_data(QueryDict(""), {}, "x") is False


class ParkForm(forms.Form):
    park = ValuesModelChoiceField(queryset=Park.objects.order_by("name"), required=False)
    parks = ValuesModelMultipleChoiceField(
        queryset=Park.objects.order_by("name"), label_fields=("name", "short_name"), required=False
    )


class ShortNameField(ValuesModelChoiceField):
    label_fields = ("short_name", "name")

    def label_from_values(self, short_name, name):
        return f"{short_name or '—'} · {name}"


@pytest.mark.django_db
def test_values_choice_fields_list_choices_without_model_instances_and_clean_to_instances(monkeypatch):
    a = Park.objects.create(name="A 园区", short_name="A")
    b = Park.objects.create(name="B <园区>")
    created = []
    original_init = Park.__init__

    def counting_init(self, *args, **kwargs):
        created.append(1)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(Park, "__init__", counting_init)
    form = ParkForm({"park": str(b.pk), "parks": [str(a.pk), str(b.pk)]})
    assert form.is_valid(), form.errors  # cleaning fetches the chosen parks (instances, for the filters)
    created.clear()
    with CaptureQueriesContext(connection) as queries:
        html = str(form["park"])
    assert created == [] and len(queries) == 1  # one values_list query, no Park built
    assert same_html(
        html,
        f'<select name="park" id="id_park"><option value="">---------</option>'
        f'<option value="{a.pk}">A 园区</option><option value="{b.pk}" selected>B &lt;园区&gt;</option></select>',
    )
    assert list(form.fields["parks"].choices) == [(a.pk, "A 园区"), (b.pk, "B <园区>")]  # no empty choice
    assert "multiple" in str(form["parks"])
    assert form.cleaned_data["park"] == b
    assert list(form.cleaned_data["parks"]) == [a, b]
    field = ShortNameField(queryset=Park.objects.order_by("name"), empty_label=None)
    monkeypatch.setattr(Park, "__init__", original_init)
    assert list(field.choices) == [(a.pk, "A · A 园区"), (b.pk, "— · B <园区>")]


@pytest.mark.django_db
def test_values_choice_field_rejects_a_choice_outside_its_queryset():
    a = Park.objects.create(name="A")
    b = Park.objects.create(name="B")
    field = ValuesModelChoiceField(queryset=Park.objects.filter(pk=a.pk))
    assert field.clean(str(a.pk)) == a
    with pytest.raises(forms.ValidationError):
        field.clean(str(b.pk))


@pytest.mark.parametrize("choices", [CHOICES, GROUPED, [(1, "a"), (10, "b"), (11, "c")]])
@pytest.mark.parametrize("value", [None, "", 1, "2", "3", 3, "10", "nope", ["1", "3"], ["3", "1"]])
@pytest.mark.parametrize("multiple", [False, True])
def test_marking_kept_options_gives_what_rendering_them_selected_gives(choices, value, multiple):
    """Kept options (rendered with none selected) are marked as render_options would have marked them: a single
    select its first match in the document's order, a multiple one every match."""
    from parkportal.widgets import mark_selected, render_options

    widget = (FastSelectMultiple if multiple else FastSelect)(choices=choices)
    values = widget.format_value(value)
    kept = render_options(choices, multiple=multiple)
    assert mark_selected(kept, values, multiple=multiple) == render_options(choices, set(values), multiple=multiple)
