"""A driver sees only his own; desk staff only their site; another park's staff nothing."""

from drivers_home.models import FloatingMemberRequest
from drivers_home.services import checkin_create, floating_request_create


def test_a_driver_cannot_open_another_drivers_checkin(client, dan, dave, home):
    theirs, _ = checkin_create(driver=dave, site=home)
    client.force_login(dan)
    assert client.get(f"/home/checkin/{theirs.pk}/").status_code == 404
    assert client.post(f"/home/checkin/{theirs.pk}/", {"services": []}).status_code == 404


def test_desk_staff_see_their_site_only(client, dora, home, station, far, dan):
    client.force_login(dora)
    assert client.get(f"/home/desk/{home.pk}/").status_code == 200
    assert client.get(f"/home/desk/{station.pk}/").status_code == 404
    assert client.get(f"/home/desk/{far.pk}/").status_code == 404
    assert client.post(f"/home/desk/{station.pk}/checkin/", {"phone": dan.phone}).status_code == 404
    assert client.get(f"/home/sites/{station.pk}/poster/").status_code == 404
    # With one site the desk's start page goes straight to it.
    assert client.get("/home/desk/")["Location"] == f"/home/desk/{home.pk}/"


def test_other_park_sees_nothing(client, olga, home, dan, park):
    request = floating_request_create(
        driver=dan, park=park, home_organisation="某党支部", certificate="LD1", home_contact_phone="02888888888"
    )
    checkin_create(driver=dan, site=home)
    client.force_login(olga)
    assert client.get(f"/home/sites/{home.pk}/poster/").status_code == 404
    assert client.get(f"/home/floating/{request.pk}/").status_code == 404
    assert client.get(f"/home/drivers/{dan.driver_profile.pk}/").status_code == 404
    response = client.get("/home/floating/")
    assert list(response.context["page"]) == []
    response = client.get("/home/traffic/")
    assert response.context["f"]["total"] == 0
    assert response.context["f"]["distinct_drivers"] == 0
    assert FloatingMemberRequest.objects.count() == 1


def test_park_admin_sees_a_driver_who_visited_and_it_is_recorded(client, alice, dan, dave, home):
    from parkportal.models import AccessLog

    checkin_create(driver=dan, site=home)
    client.force_login(alice)
    response = client.get(f"/home/drivers/{dan.driver_profile.pk}/")
    assert response.status_code == 200
    assert "138****1234" in response.content.decode()
    assert "13812341234" not in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.user, log.subject_type, log.subject_id) == (alice, "parkportal.user", str(dan.pk))
    # A driver who never came to this park is not the park's business.
    assert client.get(f"/home/drivers/{dave.driver_profile.pk}/").status_code == 404
