def test_poster_carries_the_site_url_with_its_token(client, alice, home, settings):
    settings.SITE_URL = "https://portal.example.cn"
    client.force_login(alice)
    response = client.get(f"/home/sites/{home.pk}/poster/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"https://portal.example.cn/home/s/{home.token}/" in html
    assert 'src="data:image/svg+xml' in html
    assert "drivers_home.css" in html  # the print rules (A4)
    assert "<script>" not in html and 'style="' not in html  # strict CSP


def test_desk_staff_print_their_sites_poster(client, dora, home):
    client.force_login(dora)
    assert client.get(f"/home/sites/{home.pk}/poster/").status_code == 200


def test_cards_and_navigation(client, alice, dora, dan, home, park):
    from drivers_home.services import checkin_create, floating_request_create

    checkin_create(driver=dan, site=home)
    floating_request_create(
        driver=dan, park=park, home_organisation="某党支部", certificate="LD1", home_contact_phone="02888888888"
    )
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "/home/traffic/" in html and "/home/floating/" in html and "/home/sites/" in html
    cards = {str(c.title): c.value for c in client.get("/").context["cards"]}
    assert 1 in cards.values()
    client.force_login(dora)
    assert "/home/desk/" in client.get("/").content.decode()
    client.force_login(dan)
    assert "/home/me/" in client.get("/").content.decode()
