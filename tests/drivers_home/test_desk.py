import pytest

from drivers_home.models import CheckIn, ConsentMethod, DriverProfile
from drivers_home.services import checkin_create
from parkportal.models import User


def test_desk_checks_in_a_known_driver_by_phone_and_by_plate(client, dora, dan, home):
    client.force_login(dora)
    response = client.post(f"/home/desk/{home.pk}/checkin/", {"phone": "138 1234 1234"})
    assert response.status_code == 302
    assert CheckIn.objects.get().via == CheckIn.Via.DESK
    # Same driver by plate, within the window: the same check-in.
    client.post(f"/home/desk/{home.pk}/checkin/", {"plate": "川a12345d"})
    assert CheckIn.objects.count() == 1


def test_a_new_driver_needs_spoken_consent(client, dora, home):
    client.force_login(dora)
    response = client.post(f"/home/desk/{home.pk}/checkin/", {"plate": "川B54321", "name": "赵师傅"})
    assert response.status_code == 200
    assert response.context["form"].errors["spoken_consent"]
    assert not User.objects.filter(role="driver").exists()
    assert not CheckIn.objects.exists()
    response = client.post(
        f"/home/desk/{home.pk}/checkin/", {"plate": "川B54321", "name": "赵师傅", "spoken_consent": "on"}
    )
    assert response.status_code == 302
    profile = DriverProfile.objects.get(plate="川B54321")
    assert profile.consent_method == ConsentMethod.SPOKEN
    assert profile.consent_noted_by == dora
    assert not profile.user.has_usable_password()
    assert CheckIn.objects.get().driver == profile.user


def test_desk_form_needs_phone_or_plate_and_refuses_staff_numbers(client, dora, home, ian):
    client.force_login(dora)
    response = client.post(f"/home/desk/{home.pk}/checkin/", {"name": "x"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(f"/home/desk/{home.pk}/checkin/", {"phone": ian.phone, "spoken_consent": "on"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    response = client.post(f"/home/desk/{home.pk}/checkin/", {"plate": "川A1"})
    assert response.context["form"].errors["plate"]
    assert not CheckIn.objects.exists()


def test_today_page_counts_and_masks(client, dora, dan, dave, home, station):
    checkin_create(driver=dan, site=home)
    checkin_create(driver=dave, site=home)
    checkin_create(driver=dave, site=station)  # not dora's site
    client.force_login(dora)
    response = client.get(f"/home/desk/{home.pk}/")
    assert response.context["figures"]["count"] == 2
    assert response.context["page"].paginator.count == 2
    html = response.content.decode()
    assert "138****1234" in html and "13812341234" not in html
    assert "137****5678" in html


def test_today_page_names_the_services_ticked_today(client, dora, dan, dave, home, services):
    from drivers_home.services import checkin_set_services

    first, _ = checkin_create(driver=dan, site=home)
    second, _ = checkin_create(driver=dave, site=home)
    checkin_set_services(checkin=first, services=services[:2])
    checkin_set_services(checkin=second, services=services[1:2])
    client.force_login(dora)
    response = client.get(f"/home/desk/{home.pk}/")
    assert response.context["figures"]["services"] == [(services[1].name, 2), (services[0].name, 1)]


_OLD_INSIDE = """{% load i18n portal %}{% translate "Time" as t_time %}{% translate "Name" context "person" as t_name %}\
{% translate "Mobile number" as t_phone %}{% translate "Plate number" as t_plate %}{% translate "desk" as t_desk %}
{% for c in page %}
<tr><td data-label="{{ t_time }}">{{ c.created|date:"H:i" }}{% if c.via == "desk" %} <span class="badge">{{ t_desk }}</span>{% endif %}</td>
<td data-label="{{ t_name }}">{{ c.driver__driver_profile__name|default:"—" }}</td>
<td data-label="{{ t_phone }}">{{ c.driver__phone|mask_phone|default:"—" }}</td>
<td data-label="{{ t_plate }}">{{ c.driver__driver_profile__plate|mask_plate|default:"—" }}</td></tr>
{% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_inside_now_rows_are_the_template_loop_and_escaped(client, dora, dan, home, language):
    """The desk's "inside now" rows are written in the view (views.desk._inside_rows): the same HTML as the old
    template loop, for a self check-in, a desk check-in and a driver without profile values, with markup in a
    driver's name and plate escaped."""
    from django.template import engines
    from django.utils import translation

    from tests.drivers_home.conftest import make_driver

    checkin_create(driver=dan, site=home)
    evil = make_driver("evil", "13900009999", name="x", plate="川A54321")
    DriverProfile.objects.filter(user=evil).update(name='<script>alert("x")</script>&', plate="<b>&A1")
    checkin_create(driver=evil, site=home, via=CheckIn.Via.DESK)
    bare = make_driver("bare", "13900008888", name="x", plate="川A54322")
    checkin_create(driver=bare, site=home)
    DriverProfile.objects.filter(user=bare).update(name="", plate="")
    User.objects.filter(pk=bare.pk).update(phone="")
    client.force_login(dora)
    with translation.override(language):
        response = client.get(f"/home/desk/{home.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        expected = engines["django"].from_string(_OLD_INSIDE).render({"page": response.context["page"]})
    html = response.content.decode()
    assert expected.strip() and expected.split("\n", 1)[1] in html
    assert str(response.context["rows"]) == expected.split("\n", 1)[1]
    assert "<script>" not in html and "&lt;script&gt;" in html and '<span class="badge">' in html
    assert html.count("<tr><td data-label=") == 3
    assert response.context["page"].paginator.count == 3  # counted without the rows' joins: the same three
    hours = engines["django"].from_string(_OLD_HOURS).render({"figures": response.context["figures"]})
    assert "<meter" in hours and hours in html and str(response.context["hour_rows"]) == hours


_OLD_HOURS = (
    '{% for h, n in figures.hours %}<tr><td>{{ h|stringformat:"02d" }}:00</td><td><meter min="0" '
    'max="{{ figures.max_hour }}" value="{{ n }}"></meter></td><td class="num">{{ n }}</td></tr>\n{% endfor %}'
)


def test_inside_now_pages_come_from_the_prepared_statement(client, dora, home, station):
    """55 drivers inside: 50 on the first page, 5 on the second (and on a page past the end), newest first; the
    count comes with the site; a check-in older than the window or at another site is not inside."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.drivers_home.conftest import make_driver

    now = timezone.now()
    for i in range(55):
        driver = make_driver(f"in{i}", f"1390001{i:04d}", name=f"司机{i}", plate=f"川A{i:05d}")
        checkin_create(driver=driver, site=home, now=now - timedelta(minutes=i))
    old = make_driver("old", "13900020000", name="old", plate="川B00001")
    checkin_create(driver=old, site=home, now=now - timedelta(hours=3))
    checkin_create(driver=old, site=station)
    client.force_login(dora)
    first = client.get(f"/home/desk/{home.pk}/")
    assert first.context["page"].paginator.count == 55
    assert [c["driver__driver_profile__name"] for c in first.context["page"]] == [f"司机{i}" for i in range(50)]
    for page in ("2", "99"):
        second = client.get(f"/home/desk/{home.pk}/?page={page}")
        assert second.context["page"].number == 2
        names = [c["driver__driver_profile__name"] for c in second.context["page"]]
        assert names == [f"司机{i}" for i in range(50, 55)]


def test_desk_site_follows_the_scope(client, dora, home, monkeypatch):
    """The site's look-up is Site.visible_to's (built for a stand-in desk user): a scope that finds nothing
    answers 404, on a connection that compiled the statement before too."""
    from django.db import connections

    from drivers_home.models import SiteQuerySet

    client.force_login(dora)
    assert client.get(f"/home/desk/{home.pk}/").status_code == 200
    monkeypatch.setattr(SiteQuerySet, "scope_desk", lambda self, user: self.filter(park_id=user.park_id, name="-"))
    prepared = connections["default"].__dict__
    prepared.pop("_portal_prepared_desk_site", None)  # compiled again, with the patched scope
    try:
        assert client.get(f"/home/desk/{home.pk}/").status_code == 404
    finally:
        prepared.pop("_portal_prepared_desk_site", None)  # not for the tests after this one
