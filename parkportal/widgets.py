"""A `<select>` that renders its options in Python, and model choice fields that list their choices without models.

Django renders every `<option>` of a `forms.Select` through its own sub-template (`select_option.html`, which
includes `attrs.html`): a filter with 400 organisations spent most of a list page's time there. `FastSelect`
writes the same markup in one Python loop (each value and label escaped as `format_html` would escape it): the `<select>`'s attributes as Django's `attrs.html` writes them
(`True` → bare name, `False` → omitted), each option's value and label escaped, `selected` on the first matching
option (every matching one for `FastSelectMultiple`), `<optgroup>`s for grouped choices. Only the whitespace
between tags differs. Everything else (value_from_datadict, the required/aria attributes a BoundField adds, the
option data `field.subwidgets` yields) is Django's.

`ValuesModelChoiceField` (and its multiple form) take their choices from `values_list()` instead of one model
instance per option: `label_fields` are read with the key, `label_from_values(*values)` makes the label. The
cleaned value is still a model instance (`to_python` fetches the chosen one), so filters work unchanged.

A field with `cache_options` keeps its options' HTML per process under the generations of the tables its query
reads and that query's SQL (parkportal.querycache): a scoped select of hundreds of organisations is then read and
written once per change of the data, and each request only marks its selected option on the kept HTML.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from parkportal import querycache


def _attrs(attrs: dict) -> str:
    """Attributes as Django's `django/forms/widgets/attrs.html` writes them: True bare, False omitted."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def _escape(value) -> str:
    """conditional_escape without its lazy-argument wrapper (two calls per option): safe strings kept, the rest
    through html.escape, which is what django.utils.html.escape does."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class FastSelect(forms.Select):
    """`forms.Select` with the options rendered in one pass of Python (no template per option).

    Choices that can say when their options are unchanged (`ValuesChoiceIterator` of a field with
    `cache_options`) hand back the options' HTML from a per-process memo: then the selected option is marked on
    that HTML (`mark_selected`), which is what the loop below would have written."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        selected_values = self.format_value(value)
        cached = getattr(self.choices, "cached_options_html", None)
        options = cached() if cached is not None else None
        if options is not None:
            options = mark_selected(options, selected_values, multiple=self.allow_multiple_selected)
        else:
            options = render_options(self.choices, set(selected_values), multiple=self.allow_multiple_selected)
        select = format_html('<select name="{}"{}>', name, _attrs(final))
        return mark_safe(f"{select}\n{options}\n</select>" if options else f"{select}\n</select>")


def render_options(choices, selected_values: set[str] = frozenset(), *, multiple: bool = False) -> str:
    """The `<option>`s (and `<optgroup>`s) of these choices, one a line, `selected` as ChoiceWidget.optgroups
    marks it: a single select only its first match, a multiple one every match."""
    parts = []
    has_selected = False
    esc = _escape
    for option_value, option_label in choices:
        if option_value is None:
            option_value = ""
        if isinstance(option_label, (list, tuple)):
            group = option_label
            parts.append(format_html('<optgroup label="{}">', option_value))
        else:
            group = ((option_value, option_label),)
        for sub_value, sub_label in group:
            selected = (not has_selected or multiple) and str(sub_value) in selected_values
            has_selected |= selected
            parts.append(
                f'<option value="{esc(sub_value)}" selected>{esc(sub_label)}</option>'
                if selected
                else f'<option value="{esc(sub_value)}">{esc(sub_label)}</option>'
            )
        if group is option_label:
            parts.append("</optgroup>")
    return "\n".join(parts)


def mark_selected(options: str, selected_values, *, multiple: bool = False) -> str:
    """`options` (render_options() with nothing selected) with the options of these values marked `selected`:
    for a single select the first one in the document's order, for a multiple one every one. Only for values
    written by html.escape (a model's keys), so that the value's escaped form is how its option was written."""
    needles = {f'<option value="{html.escape(str(value))}">' for value in selected_values}
    if multiple:
        for needle in needles:
            options = options.replace(needle, f"{needle[:-1]} selected>")
        return options
    found = [(at, needle) for needle in needles if (at := options.find(needle)) >= 0]
    if not found:
        return options
    at, needle = min(found)
    end = at + len(needle) - 1
    return f"{options[:end]} selected{options[end:]}"


class FastSelectMultiple(FastSelect):
    """`forms.SelectMultiple`, rendered as `FastSelect`."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False  # as forms.SelectMultiple: an unselected <select multiple> sends nothing


class ValuesChoiceIterator(ModelChoiceIterator):
    """A model choice field's choices as (key, label), read with values_list: no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label_from_values = self.field.label_from_values
        for row in self._rows():
            yield (row[0], label_from_values(*row[1:]))

    def _rows(self):
        return self.queryset.values_list(self.field.to_field_name or "pk", *self.field.label_fields)

    def cached_options_html(self) -> str | None:
        """For a field with `cache_options`: its options' HTML with none selected, made once per process for
        the generations of the tables its query reads, its SQL (the viewer's scope is in it), its labels and
        the language (parkportal.querycache). None: render them as usual."""
        field = self.field
        if not getattr(field, "cache_options", False) or type(self).__iter__ is not ValuesChoiceIterator.__iter__:
            return None
        label = field.label_from_values
        identity = (type(field).__module__, type(field).__qualname__, getattr(label, "__func__", label))
        empty = None if field.empty_label is None else str(field.empty_label)
        key = querycache.key(self._rows(), extra=(identity, field.label_fields, empty, get_language()))
        if key is None:
            return None
        return querycache.get(key, lambda: render_options(self))


class ValuesChoiceMixin:
    #: The columns `label_from_values` receives, in this order.
    label_fields: tuple[str, ...] = ("name",)
    #: Keep the rendered options per process under the generations of their tables (a scoped `<select>` of
    #: hundreds of organisations on every list page). Only for labels that depend on nothing but the columns
    #: read and the language.
    cache_options: bool = False
    iterator = ValuesChoiceIterator

    def __init__(self, *args, label_fields: tuple[str, ...] | None = None, **kwargs):
        if label_fields is not None:
            self.label_fields = tuple(label_fields)
        super().__init__(*args, **kwargs)

    def label_from_values(self, *values) -> str:
        return str(values[0])


class ValuesModelChoiceField(ValuesChoiceMixin, forms.ModelChoiceField):
    widget = FastSelect


class ValuesModelMultipleChoiceField(ValuesChoiceMixin, forms.ModelMultipleChoiceField):
    widget = FastSelectMultiple
