"""Every drivers' home form, fuzzed through the test client: never a 500, nothing written when refused."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers_home.models import CheckIn, DriverProfile, FloatingMemberRequest
from drivers_home.services import checkin_create

NASTY = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(
        ["", " ", "\x00", "\x1b[31m", "川A12345D", "13812345678", "-1", "9" * 40, "2026-02-30", "<b>x</b>"]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _post(client, url, data):
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    return response


@FUZZ
@given(name=NASTY, plate=NASTY, province=NASTY, vehicle=NASTY, consent=NASTY)
def test_profile_form(client, newbie, name, plate, province, vehicle, consent):
    client.force_login(newbie)
    before = DriverProfile.objects.count()
    data = {"name": name, "plate": plate, "province": province, "vehicle_type": vehicle, "consent": consent}
    if _post(client, "/home/profile/", data).status_code == 200:
        assert DriverProfile.objects.count() == before


@FUZZ
@given(org=NASTY, cert=NASTY, phone=NASTY)
def test_floating_form(client, dan, home, org, cert, phone):
    checkin_create(driver=dan, site=home)
    client.force_login(dan)
    before = FloatingMemberRequest.objects.count()
    data = {"home_organisation": org, "certificate": cert, "home_contact_phone": phone}
    if _post(client, "/home/me/party-member/", data).status_code == 200:
        assert FloatingMemberRequest.objects.count() == before


@FUZZ
@given(phone=NASTY, plate=NASTY, name=NASTY, consent=NASTY)
def test_desk_form(client, dora, home, phone, plate, name, consent):
    client.force_login(dora)
    before = CheckIn.objects.count(), DriverProfile.objects.count()
    data = {"phone": phone, "plate": plate, "name": name, "spoken_consent": consent}
    if _post(client, f"/home/desk/{home.pk}/checkin/", data).status_code == 200:
        assert (CheckIn.objects.count(), DriverProfile.objects.count()) == before


@FUZZ
@given(services=st.lists(NASTY, max_size=5))
def test_services_form(client, dan, home, services):
    checkin, _ = checkin_create(driver=dan, site=home)
    client.force_login(dan)
    _post(client, f"/home/checkin/{checkin.pk}/", {"services": services})


@FUZZ
@given(start=NASTY, end=NASTY, page=NASTY)
def test_staff_queries(client, alice, start, end, page):
    client.force_login(alice)
    for url in ("/home/traffic/", "/home/traffic/export.xlsx", "/home/floating/"):
        response = client.get(url, {"start": start, "end": end, "page": page, "status": start})
        assert response.status_code == 200


@pytest.mark.parametrize("page", ["-1", "0", "99999999999999999999", "x", "\x00"])
def test_pages_tolerate_any_page_number(client, dora, home, page):
    client.force_login(dora)
    assert client.get(f"/home/desk/{home.pk}/", {"page": page}).status_code == 200
