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
