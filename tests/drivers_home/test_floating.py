from drivers_home.models import FloatingMemberRequest
from drivers_home.services import checkin_create
from parkportal.models import AccessLog
from parties.models import Member

FORM = {
    "home_organisation": "四川省南充市运输协会党支部",
    "certificate": "LD2024001",
    "home_contact_phone": "0817-1234567",
}


def test_driver_says_he_is_a_member_and_staff_accept_him(client, dan, home, alice, tree):
    checkin_create(driver=dan, site=home)
    client.force_login(dan)
    assert client.post("/home/me/party-member/", FORM).status_code == 302
    assert client.post("/home/me/party-member/", FORM).status_code == 302  # resubmitted
    request = FloatingMemberRequest.objects.get()
    assert request.park == home.park and request.status == "pending"

    client.force_login(alice)
    response = client.get(f"/home/floating/{request.pk}/")
    assert response.status_code == 200
    assert AccessLog.objects.filter(user=alice, subject_id=str(dan.pk)).exists()
    response = client.post(f"/home/floating/{request.pk}/", {"organisation": tree["b1"].pk})
    assert response.status_code == 302
    member = Member.objects.get(user=dan)
    assert member.is_floating and not member.can_vote_here
    assert member.organisation == tree["b1"]
    assert member.floating_certificate == "LD2024001"
    assert member.home_organisation == FORM["home_organisation"]
    request.refresh_from_db()
    assert request.status == "accepted" and request.organisation == tree["b1"]
    # Accepting twice does nothing more.
    client.post(f"/home/floating/{request.pk}/", {"organisation": tree["b2"].pk})
    assert Member.objects.filter(user=dan).count() == 1


def test_another_parks_organisation_is_refused(client, dan, home, alice, tree, other_park):
    from parties.models import Organisation

    foreign = Organisation.objects.create(park=other_park, name="别的党委", tier_name="园区党工委", kind="committee")
    checkin_create(driver=dan, site=home)
    client.force_login(dan)
    client.post("/home/me/party-member/", FORM)
    request = FloatingMemberRequest.objects.get()
    client.force_login(alice)
    response = client.post(f"/home/floating/{request.pk}/", {"organisation": foreign.pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Member.objects.exists()


def test_bad_input_is_refused_without_saving(client, dan, home):
    checkin_create(driver=dan, site=home)
    client.force_login(dan)
    response = client.post("/home/me/party-member/", {**FORM, "home_contact_phone": "abc", "certificate": "\x00"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"home_contact_phone", "certificate"}
    assert not FloatingMemberRequest.objects.exists()


def test_decline(client, dan, home, alice):
    checkin_create(driver=dan, site=home)
    client.force_login(dan)
    client.post("/home/me/party-member/", FORM)
    request = FloatingMemberRequest.objects.get()
    client.force_login(alice)
    assert client.post(f"/home/floating/{request.pk}/decline/").status_code == 302
    request.refresh_from_db()
    assert request.status == "declined"
