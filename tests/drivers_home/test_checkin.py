import re
from datetime import timedelta

import pytest
from django.utils import timezone

from drivers_home.models import CheckIn, CheckInService, DailyStat
from drivers_home.services import checkin_create


def test_one_tap_checks_in_and_a_second_tap_returns_the_same(client, dan, home):
    client.force_login(dan)
    first = client.post(f"/home/s/{home.token}/checkin/")
    second = client.post(f"/home/s/{home.token}/checkin/")  # double tap / resubmission
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CheckIn.objects.count() == 1
    checkin = CheckIn.objects.get()
    assert checkin.driver == dan and checkin.site == home and checkin.via == CheckIn.Via.SELF
    # The summary counted it once: by hour, province and vehicle type.
    hours = DailyStat.objects.filter(kind="hour")
    assert sum(hours.values_list("count", flat=True)) == 1
    assert DailyStat.objects.get(kind="province").key == "四川"


def test_get_on_the_checkin_url_does_not_check_in(client, dan, home):
    client.force_login(dan)
    assert client.get(f"/home/s/{home.token}/checkin/").status_code == 405
    assert not CheckIn.objects.exists()


def test_window_is_sliding_and_exact_at_its_edge(dan, home, settings):
    window = settings.PORTAL_RULES["CHECKIN_WINDOW"]
    t0 = timezone.now() - timedelta(hours=5)
    first, created = checkin_create(driver=dan, site=home, now=t0)
    assert created
    # Just inside the window (crossing any clock-hour boundary): the same check-in.
    same, created = checkin_create(driver=dan, site=home, now=t0 + window - timedelta(seconds=1))
    assert not created and same.pk == first.pk
    # At the window's end: a new visit.
    later, created = checkin_create(driver=dan, site=home, now=t0 + window)
    assert created and later.pk != first.pk
    assert CheckIn.objects.count() == 2


def test_window_is_a_setting(dan, home, settings):
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "CHECKIN_WINDOW": timedelta(minutes=10)}
    t0 = timezone.now() - timedelta(hours=1)
    checkin_create(driver=dan, site=home, now=t0)
    _, created = checkin_create(driver=dan, site=home, now=t0 + timedelta(minutes=11))
    assert created


def test_another_site_is_another_checkin(dan, home, station):
    checkin_create(driver=dan, site=home)
    _, created = checkin_create(driver=dan, site=station)
    assert created


def test_ticking_services_updates_the_summary_and_ignores_foreign_services(client, dan, station, services):
    client.force_login(dan)
    location = client.post(f"/home/s/{station.token}/checkin/")["Location"]
    checkin = CheckIn.objects.get()
    # The station offers only the first service; the others are refused by the form.
    response = client.post(location, {"services": [services[0].pk, services[1].pk]})
    assert response.status_code == 200
    assert not CheckInService.objects.exists()
    client.post(location, {"services": [services[0].pk]})
    client.post(location, {"services": [services[0].pk]})  # resubmitted
    assert list(checkin.services.all()) == [services[0]]
    assert DailyStat.objects.get(kind="service").count == 1
    client.post(location, {})  # unticked
    assert not checkin.services.exists()
    assert DailyStat.objects.get(kind="service").count == 0


@pytest.mark.parametrize("token", ["nope", "A" * 22, "../../admin", "%00"])
def test_bad_or_forged_token_is_404(client, dan, home, token):
    client.force_login(dan)
    assert client.get(f"/home/s/{token}/").status_code == 404
    assert client.post(f"/home/s/{token}/checkin/").status_code == 404
    assert not CheckIn.objects.exists()


def test_inactive_site_is_404(client, dan, home):
    home.active = False
    home.save()
    client.force_login(dan)
    assert client.get(f"/home/s/{home.token}/").status_code == 404
    assert client.post(f"/home/s/{home.token}/checkin/").status_code == 404
    assert not CheckIn.objects.exists()


def test_checkin_without_a_profile_goes_to_the_form_and_back(client, newbie, home):
    client.force_login(newbie)
    response = client.post(f"/home/s/{home.token}/checkin/")
    assert response.status_code == 302
    assert response["Location"] == f"/home/profile/?next=/home/s/{home.token}/"
    assert not CheckIn.objects.exists()
    # A site that is not (any longer) on a poster is a 404 first, profile or not.
    home.active = False
    home.save()
    assert client.post(f"/home/s/{home.token}/checkin/").status_code == 404


def test_checkin_by_token_writes_what_checkin_create_writes(dan, dave, home, station):
    """The poster's path (site and lock in one statement) against the general one, driver for driver: the same
    check-in, summary counts and visiting days, and the same answer within the window."""
    from collections import Counter

    from drivers_home.models import DriverProfile, DriverYear
    from drivers_home.services import checkin_create_by_token

    # Same home province for both, and no vehicle type (counted under "?"): their summary rows coincide.
    DriverProfile.objects.filter(user__in=[dan, dave]).update(province="四川", vehicle_type="")
    now = timezone.now()

    def written(driver, site):
        checkins = list(CheckIn.objects.filter(driver=driver, site=site).values_list("site", "created", "via"))
        years = list(DriverYear.objects.filter(driver=driver).values("park", "year", *(f"m{m}" for m in range(1, 13))))
        return checkins, years

    def stats():
        return Counter(
            {row[:4]: row[4] for row in DailyStat.objects.values_list("site", "day", "kind", "key", "count")}
        )

    for site in (home, station):
        before = stats()
        a, a_created = checkin_create_by_token(driver=dan, token=site.token, now=now)
        after_a = stats()
        b, b_created = checkin_create(driver=dave, site=site, now=now)
        after_b = stats()
        assert a_created and b_created
        assert (a.site_id, a.created, a.via) == (b.site_id, b.created, b.via) == (site.pk, now, "self")
        assert written(dan, site) == written(dave, site)
        assert after_a - before == after_b - after_a
        assert sorted(k[2:] for k in after_a - before) == [
            ("hour", str(timezone.localtime(now).hour)),
            ("province", "四川"),
            ("vehicle", "?"),
        ]
        # Within the window both answer with the first check-in, and write nothing.
        later = now + timedelta(minutes=5)
        again, created = checkin_create_by_token(driver=dan, token=site.token, now=later)
        assert not created and (again.pk, again.created, again.via) == (a.pk, a.created, a.via)
        again, created = checkin_create(driver=dave, site=site, now=later)
        assert not created and again.pk == b.pk
        assert stats() == after_b


def test_anonymous_visitor_sees_the_site_and_how_to_sign_in(client, home):
    response = client.get(f"/home/s/{home.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert home.name in html
    assert f"/accounts/signup/?next=/home/s/{home.token}/" in html
    assert client.post(f"/home/s/{home.token}/checkin/").status_code == 302
    assert not CheckIn.objects.exists()


def test_staff_cannot_check_in_on_the_driver_page(client, alice, home):
    client.force_login(alice)
    assert client.post(f"/home/s/{home.token}/checkin/").status_code == 403


def test_checkin_post_queries(client, dan, home):
    """The session with its user, then on PostgreSQL ONE round trip: the site by its token with the profile's
    lock, and the statement of the window look-up, insert, summary and visiting day (no BEGIN or savepoint, no
    COMMIT: the two are one transaction by themselves). SQLite takes them one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dan)
    for tap in ("first", "second"):  # the second tap finds the first in the same statement
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(f"/home/s/{home.token}/checkin/").status_code == 302
        if connection.vendor == "postgresql":
            # (PREPARE once per connection: on the first tap of a connection, not on the others)
            sent = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("PREPARE ")]
            assert len(sent) == 2, (tap, sent)
            assert re.match(r"EXECUTE portal_checkin_lock_\w+ \(.*\); EXECUTE portal_checkin_tap_\w+ \(", sent[1])
    checkin = CheckIn.objects.get()
    assert checkin.driver == dan and checkin.site == home and checkin.via == CheckIn.Via.SELF
    assert sorted(DailyStat.objects.values_list("kind", "key", "count")) == [
        ("hour", str(timezone.localtime(checkin.created).hour), 1),
        ("province", "四川", 1),
        ("vehicle", "heavy", 1),
    ]
    from drivers_home.models import DriverYear

    day = timezone.localtime(checkin.created).date()
    row = DriverYear.objects.get(driver=dan, year=day.year)
    assert getattr(row, f"m{day.month}") == 1 << (day.day - 1)


def test_site_page_lists_the_sites_services_in_order(client, dan, home, station, services, far):
    client.force_login(dan)
    html = client.get(f"/home/s/{home.token}/").content.decode()
    assert html.index(services[0].name) < html.index(services[1].name) < html.index(services[2].name)
    html = client.get(f"/home/s/{station.token}/").content.decode()
    assert services[0].name in html and services[1].name not in html
    html = client.get(f"/home/s/{far.token}/").content.decode()  # a site without services
    assert "service-list" not in html
    home.active = False
    home.save()
    assert client.get(f"/home/s/{home.token}/").status_code == 404


def test_site_page_greets_the_driver_by_his_own_profile_name(client, dan, dave, home, django_assert_num_queries):
    """The driver's profile comes with the site in one query (views.driver._site_and_services_by_token): the page
    greets the signed-in driver by his own name, escaped, and no one else's."""
    from drivers_home.models import DriverProfile

    DriverProfile.objects.filter(user=dan).update(name="<b>秦&师傅</b>")
    client.force_login(dan)
    client.get(f"/home/s/{home.token}/")  # warm-up: content types, translations
    with django_assert_num_queries(2):  # session with user, the site with its services and the driver's profile
        html = client.get(f"/home/s/{home.token}/").content.decode()
    assert "&lt;b&gt;秦&amp;师傅&lt;/b&gt;" in html and "<b>秦" not in html
    assert DriverProfile.objects.get(user=dave).name not in html
    assert 'id="checkin-button"' in html


def test_the_poster_checkin_answers_as_before(client, dan, dave, home, monkeypatch):
    """The view with the site looked up inside the service answers as round 3's (the site by its own query, then
    checkin_create): the same redirect and the same message, for a new check-in and for a repeat."""
    from drivers_home import services
    from drivers_home.models import Site
    from drivers_home.views import driver as views

    def old_service(*, driver, token, now=None):
        return checkin_create(driver=driver, site=Site.objects.get(token=token, active=True), now=now)

    def answers(driver):
        client.force_login(driver)
        out = []
        for _tap in range(2):
            response = client.post(f"/home/s/{home.token}/checkin/", HTTP_ACCEPT_LANGUAGE="en")
            pk = CheckIn.objects.get(driver=driver).pk
            assert response.status_code == 302 and response["Location"] == f"/home/checkin/{pk}/"
            page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
            out.append([m for m in ("You are checked in. Welcome!", "You are already checked in here.") if m in page])
        return out

    new = answers(dan)
    with monkeypatch.context() as patched:
        patched.setattr(views.services, "checkin_create_by_token", old_service)
        old = answers(dave)
    assert services.checkin_create_by_token is not old_service
    assert new == old == [["You are checked in. Welcome!"], ["You are already checked in here."]]
