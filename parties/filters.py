"""List filters (django-filter) for the enterprise and member lists; every choice list is scoped to the viewer.

Every `<select>` is a `FastSelect` and the model choices are read with values_list (parkportal.widgets): the
organisation filter lists the whole tree (400 organisations in a large park), and Django's per-option templates
and one model instance per option were most of a list page's time. The model choices' options are kept rendered
(`cache_options`, under the generations of their tables and their SQL): a list page seen with a new query string
reads and writes them only when their data changed.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.widgets import FastSelect, ValuesModelChoiceField
from parties.models import (
    Category,
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    Member,
    MemberStatus,
    Organisation,
)
from parties.rules import months_before

YES_NO = ((True, _("Yes")), (False, _("No")))


def _yes_no_select():
    return FastSelect(choices=(("", "---------"), ("true", _("Yes")), ("false", _("No"))))


def _organisations(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).order_by("path")


def _categories(request):
    if request is None:
        return Category.objects.none()
    return Category.objects.filter(park_id=request.user.park_id)


def _platforms(request):
    if request is None:
        return Enterprise.objects.none()
    return Enterprise.objects.visible_to(request.user).platforms().only("pk", "name").order_by("name")


class OrganisationChoiceField(ValuesModelChoiceField):
    """Indents each organisation by its depth, so the select reads like the tree."""

    label_fields = ("name", "depth")
    cache_options = True

    def label_from_values(self, name, depth) -> str:
        return "\u3000" * depth + name


class NamedChoiceField(ValuesModelChoiceField):
    """A model choice labelled by its name (`__str__` of Category and Enterprise), read without instances."""

    label_fields = ("name",)
    cache_options = True


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NamedChoiceField


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """Keeps rows whose organisation (by `field_name`) lies in the chosen organisation's subtree."""

    field_class = OrganisationChoiceField

    def __init__(self, *args, subtree_lookups: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subtree_lookups = subtree_lookups

    def filter(self, qs, value):
        if not value:
            return qs
        q = Q()
        for lookup in self.subtree_lookups or [self.field_name]:
            q |= Q(**{f"{lookup}__path__startswith": value.path})
        return qs.filter(q)


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=EnterpriseKind.choices, label=_("Kind"), widget=FastSelect)
    platform = NamedChoiceFilter(queryset=_platforms, label=_("Platform enterprise"))
    category = NamedChoiceFilter(queryset=_categories, label=_("Category"))
    coverage = django_filters.ChoiceFilter(choices=CoverageStatus.choices, label=_("Coverage"), widget=FastSelect)
    organisation = SubtreeFilter(
        queryset=_organisations,
        label=_("Organisation (with its subtree)"),
        subtree_lookups=["organisation", "platform__organisation"],
    )
    must = django_filters.BooleanFilter(
        method="filter_must",
        label=_("Must have an organisation"),
        widget=_yes_no_select(),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "kind", "platform", "category", "coverage", "organisation", "must"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(credit_code__icontains=value) | Q(address__icontains=value))

    def filter_must(self, qs, name, value):
        if value is None:
            return qs
        q = Q(member_count__gte=settings.PORTAL_RULES["BRANCH_MIN_FULL_MEMBERS"])
        return qs.filter(q) if value else qs.exclude(q)


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, label=_("Status"), widget=FastSelect)
    floating = django_filters.BooleanFilter(
        field_name="is_floating",
        label=_("Floating member"),
        widget=_yes_no_select(),
    )
    organisation = SubtreeFilter(queryset=_organisations, label=_("Organisation (with its subtree)"))
    birthday_month = django_filters.TypedChoiceFilter(
        method="filter_birthday_month",
        choices=[(m, m) for m in range(1, 13)],
        coerce=int,
        label=_("Political birthday in month"),
        widget=FastSelect,
    )
    inactive = django_filters.BooleanFilter(
        method="filter_inactive",
        label=_("No recorded activity for months"),
        widget=_yes_no_select(),
    )

    class Meta:
        model = Member
        fields = ["q", "status", "floating", "organisation", "birthday_month", "inactive"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(name__icontains=value) | Q(floating_certificate__icontains=value) | Q(home_organisation__icontains=value)
        )

    def filter_birthday_month(self, qs, name, value):
        return qs.filter(admitted__month=value) if value else qs

    def filter_inactive(self, qs, name, value):
        if value is None:
            return qs
        cutoff = months_before(timezone.localdate(), settings.PORTAL_RULES["MEMBER_INACTIVE_ALERT_MONTHS"])
        q = Q(last_activity__lt=cutoff) | Q(last_activity__isnull=True)
        return qs.filter(q) if value else qs.exclude(q)
