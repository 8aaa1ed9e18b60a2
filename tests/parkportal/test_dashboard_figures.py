"""The home dashboard's figures: every app's aggregates in ONE query (parkportal.registry.Figures)."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count, Q, Sum

from parkportal.models import SmsMessage, User
from parkportal.registry import Card, Figures, dashboard_for
from parkportal.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_aggregates_over_several_models_come_back_from_one_query(park, other_park, django_assert_num_queries):
    make_user("a1", Role.DRIVER, park)
    make_user("a2", Role.DESK, park)
    make_user("b1", Role.DRIVER, other_park)
    SmsMessage.objects.create(phone="13800000001", body="一")
    SmsMessage.objects.create(phone="13800000002", body="二")
    figures = Figures(park.pk)
    users = figures.aggregate(
        User.objects.filter(park=park), total=Count("pk"), drivers=Count("pk", filter=Q(role=Role.DRIVER))
    )
    texts = figures.aggregate(SmsMessage.objects.all(), n=Count("*"), ids=Sum("pk"))
    nothing = figures.aggregate(User.objects.filter(park=other_park, role=Role.MEDIATOR), n=Count("pk"), s=Sum("pk"))
    # A part that joins the park table itself: its own FROM, not the anchoring park row, answers for it.
    by_name = figures.aggregate(User.objects.filter(park__name=other_park.name), n=Count("pk"))
    with django_assert_num_queries(1):
        figures.fetch()
    assert by_name == {"n": 1}
    assert users == {"total": 2, "drivers": 1}
    assert texts == SmsMessage.objects.aggregate(n=Count("*"), ids=Sum("pk"))
    # Over no rows: COUNT is 0, SUM is NULL, as with QuerySet.aggregate().
    assert nothing == {"n": 0, "s": None}
    assert figures.park == park


def test_without_a_park_each_queryset_is_aggregated_on_its_own(park, django_assert_num_queries):
    make_user("a1", Role.DRIVER, park)
    figures = Figures(None)
    users = figures.aggregate(User.objects.all(), n=Count("pk"))
    texts = figures.aggregate(SmsMessage.objects.all(), n=Count("pk"))
    with django_assert_num_queries(2):
        figures.fetch()
    assert users == {"n": 1} and texts == {"n": 0} and figures.park is None


def test_the_dashboard_page_names_the_park_and_shows_every_apps_cards(client, alice, tree):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>新都智慧物流园区</h1>" in html
    groups = {card.group for card in response.context["cards"]}
    assert {"org", "visits", "drivers_home", "events", "mediation"} <= groups


def test_a_superuser_without_a_park_still_gets_a_dashboard(client, db):
    admin = User.objects.create_superuser("root", password="pw-for-tests-123", role=Role.PARK_ADMIN)
    client.force_login(admin)
    response = client.get("/")
    assert response.status_code == 200
    cards, park = dashboard_for(admin)
    assert park is None and cards == response.context["cards"]


def test_the_menu_lists_the_roles_pages_in_the_active_language(client, alice, db):
    from django.urls import reverse

    client.force_login(alice)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<li><a href="{reverse("parties:tree")}">组织架构</a></li>' in html
    assert reverse("activities:event_list") + '"' not in html  # a driver's entry, not an administrator's
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get("/").content.decode()
    assert f'<li><a href="{reverse("parties:tree")}">Organisation tree</a></li>' in html


# The markup the home template wrote for each card before Card.html() took it over.
CARD_TEMPLATE = (
    '{% if card.url %}<a class="card {% if card.tone %}card-{{ card.tone }}{% endif %}" href="{{ card.url }}">'
    '{% else %}<div class="card {% if card.tone %}card-{{ card.tone }}{% endif %}">{% endif %}'
    '<span class="card-title">{{ card.title }}</span><span class="card-value">{{ card.value }}</span>'
    '{% if card.note %}<span class="card-note">{{ card.note }}</span>{% endif %}'
    "{% if card.url %}</a>{% else %}</div>{% endif %}"
)


@pytest.mark.parametrize(
    "card",
    [
        Card(title="覆盖率", value="87.5%", note="7 of 8", url="/org/coverage/?a=1&b=2", tone="warn"),
        Card(title="Members", value=20000, url="/org/members/"),
        Card(title="<b>Title</b>", value='"><script>x</script>', note="a & b <i>"),
        Card(title="Alert", value=0, tone="alert", url="/mediation/?overdue=on"),
    ],
)
def test_a_cards_markup_is_what_the_template_wrote(card):
    from django.template import Context, Template
    from django.test.html import parse_html

    assert parse_html(card.html()) == parse_html(Template(CARD_TEMPLATE).render(Context({"card": card})))
    assert "<script>" not in card.html() and "<b>" not in card.html()


def test_the_dashboard_writes_every_card_with_its_link(client, alice, tree):
    client.force_login(alice)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    for card in response.context["cards"]:
        assert card.html() in html
    shown = len(re.findall(r'<(a|div) class="card( card-\w+)?"', html))
    assert shown == len(response.context["cards"]) > 5


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: User.objects.values("role").annotate(n=Count("pk")),
        lambda: User.objects.distinct(),
        lambda: User.objects.all()[:5],
        lambda: User.objects.filter(pk=1).union(User.objects.filter(pk=2)),
    ],
)
def test_a_grouped_distinct_sliced_or_combined_queryset_is_refused(park, queryset):
    figures = Figures(park.pk)
    figures.aggregate(queryset(), n=Count("*"))
    with pytest.raises(ValueError, match="plain filtered queryset"):
        figures.fetch()
