import json

from drivers_home.models import CheckIn, DailyStat, DriverProfile, FloatingMemberRequest
from drivers_home.services import checkin_create, checkin_set_services, floating_request_create
from parkportal.models import User


def test_my_data_download_holds_everything_about_me_and_nothing_of_others(client, dan, dave, home, services, park):
    mine, _ = checkin_create(driver=dan, site=home)
    checkin_set_services(checkin=mine, services=[services[1]])
    checkin_create(driver=dave, site=home)
    floating_request_create(
        driver=dan,
        park=park,
        home_organisation="南充运输协会党支部",
        certificate="LD1",
        home_contact_phone="028-1234567",
    )
    client.force_login(dan)
    response = client.get("/home/me/data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content.decode())
    assert data["account"]["phone"] == "13812341234"
    assert data["profile"]["plate"] == "川A12345D"
    assert data["profile"]["privacy_notice_version"]
    assert [c["site"] for c in data["checkins"]] == [home.name]
    assert data["checkins"][0]["services"] == [services[1].name]
    assert data["floating_member_requests"][0]["certificate"] == "LD1"
    assert "13712345678" not in response.content.decode()


def test_deleting_my_account_keeps_anonymous_checkins(client, dan, home, park):
    checkin_create(driver=dan, site=home)
    floating_request_create(
        driver=dan,
        park=park,
        home_organisation="南充运输协会党支部",
        certificate="LD1",
        home_contact_phone="028-1234567",
    )
    client.force_login(dan)
    assert client.get("/home/me/delete/").status_code == 200
    # Without the tick nothing happens.
    client.post("/home/me/delete/", {})
    assert User.objects.filter(pk=dan.pk).exists()
    response = client.post("/home/me/delete/", {"confirm": "yes"})
    assert response.status_code == 200
    assert not User.objects.filter(pk=dan.pk).exists()
    assert not User.objects.filter(phone="13812341234").exists()
    assert not DriverProfile.objects.exists()
    assert not FloatingMemberRequest.objects.exists()
    checkin = CheckIn.objects.get()
    assert checkin.driver_id is None and checkin.site == home
    assert sum(DailyStat.objects.filter(kind="hour").values_list("count", flat=True)) == 1
    # Signed out.
    assert client.get("/home/me/").status_code == 302


def test_my_page_shows_only_my_checkins_with_masking(client, dan, dave, home, station):
    checkin_create(driver=dan, site=home)
    checkin_create(driver=dave, site=station)
    client.force_login(dan)
    response = client.get("/home/me/")
    assert [c.site for c in response.context["page"]] == [home]
    assert "138****1234" in response.content.decode()
