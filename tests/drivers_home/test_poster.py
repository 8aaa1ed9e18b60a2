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


def test_poster_lists_what_the_site_offers_reading_the_services_once(client, alice, home, station, services):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/home/sites/{home.pk}/poster/").content.decode()
    assert services and all(f"<li>{s.name}</li>" in html for s in services)
    assert sum("drivers_home_site_services" in q["sql"] for q in queries.captured_queries) == 1
    station.services.clear()
    assert 'class="poster-services"' not in client.get(f"/home/sites/{station.pk}/poster/").content.decode()
