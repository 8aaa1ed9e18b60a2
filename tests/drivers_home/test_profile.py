import pytest

from drivers_home.models import PRIVACY_NOTICE_VERSION, ConsentMethod, DriverProfile

GOOD = {"name": "王师傅", "plate": "川a·12345d", "province": "四川", "vehicle_type": "heavy", "consent": "on"}


def test_site_page_sends_a_driver_without_details_to_the_form(client, newbie, home):
    client.force_login(newbie)
    response = client.get(f"/home/s/{home.token}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/home/profile/?next=")


def test_profile_records_consent_and_returns_to_the_site(client, newbie, home):
    client.force_login(newbie)
    response = client.post("/home/profile/", {**GOOD, "next": f"/home/s/{home.token}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/home/s/{home.token}/"
    profile = DriverProfile.objects.get(user=newbie)
    assert profile.plate == "川A12345D"
    assert profile.consent_version == PRIVACY_NOTICE_VERSION
    assert profile.consent_method == ConsentMethod.SELF
    assert profile.consent_at is not None


def test_no_consent_no_profile(client, newbie):
    client.force_login(newbie)
    response = client.post("/home/profile/", {**GOOD, "consent": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["consent"]
    assert not DriverProfile.objects.exists()


@pytest.mark.parametrize("plate", ["川A1234", "ABC", "川A12345X", "x" * 500])
def test_bad_plate_is_refused_next_to_the_field(client, newbie, plate):
    client.force_login(newbie)
    response = client.post("/home/profile/", {**GOOD, "plate": plate})
    assert response.status_code == 200
    assert "plate" in response.context["form"].errors
    assert not DriverProfile.objects.exists()


def test_open_redirect_is_ignored(client, newbie):
    client.force_login(newbie)
    response = client.post("/home/profile/", {**GOOD, "next": "https://evil.example/"})
    assert response["Location"] == "/home/me/"
