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
"""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe


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
    """`forms.Select` with the options rendered in one pass of Python (no template per option)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        selected_values = set(self.format_value(value))
        parts = [format_html('<select name="{}"{}>', name, _attrs(final))]
        has_selected = False
        esc = _escape
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(option_label, (list, tuple)):
                group = option_label
                parts.append(format_html('<optgroup label="{}">', option_value))
            else:
                group = ((option_value, option_label),)
            for sub_value, sub_label in group:
                # As ChoiceWidget.optgroups: a single select marks only its first match.
                selected = (not has_selected or self.allow_multiple_selected) and str(sub_value) in selected_values
                has_selected |= selected
                parts.append(
                    f'<option value="{esc(sub_value)}" selected>{esc(sub_label)}</option>'
                    if selected
                    else f'<option value="{esc(sub_value)}">{esc(sub_label)}</option>'
                )
            if group is option_label:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))


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
        key = self.field.to_field_name or "pk"
        label_from_values = self.field.label_from_values
        for row in self.queryset.values_list(key, *self.field.label_fields):
            yield (row[0], label_from_values(*row[1:]))


class ValuesChoiceMixin:
    #: The columns `label_from_values` receives, in this order.
    label_fields: tuple[str, ...] = ("name",)
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
