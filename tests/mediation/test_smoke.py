import pytest

pytestmark = pytest.mark.django_db


def test_list_and_detail(client, mabel, case):
    client.force_login(mabel)
    r = client.get("/mediation/")
    assert r.status_code == 200
    assert "工人0" in r.content.decode()
    r = client.get(f"/mediation/{case.pk}/")
    assert r.status_code == 200
