"""`manage.py bench_accounts`: one signed-in persona per role for `make bench`, idempotent, seeds untouched."""

import io

import pytest
from django.core.management import CommandError, call_command

from parkportal.models import Park, User
from parkportal.roles import Role
from parties.models import Instructor, Organisation


@pytest.mark.django_db
def test_creates_one_account_per_role_with_a_scope(park, tree, client):
    call_command("bench_accounts", park=park.name, stdout=io.StringIO())
    users = {u.role: u for u in User.objects.filter(username__startswith="bench-")}
    assert set(users) == {Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR, Role.MEDIATOR, Role.DESK, Role.DRIVER}
    assert all(u.park_id == park.pk for u in users.values())
    # The secretary answers for a second-tier committee, the instructor is one of the park's instructors.
    org = Organisation.objects.get(secretary_user=users[Role.SECRETARY])
    assert org.depth == 1
    assert Instructor.objects.filter(user=users[Role.INSTRUCTOR], park=park).exists()
    # They sign in through the real form with the demo password (the harness does the same over http).
    response = client.post("/accounts/login/", {"login": "bench-secretary", "password": "demo-park-2026"})
    assert response.status_code == 302

    call_command("bench_accounts", park=park.name, stdout=io.StringIO())  # again: nothing new
    assert User.objects.filter(username__startswith="bench-").count() == 6
    assert Organisation.objects.filter(secretary_user=users[Role.SECRETARY]).count() == 1


@pytest.mark.django_db
def test_refuses_a_missing_park():
    with pytest.raises(CommandError, match="seed_demo --size large"):
        call_command("bench_accounts")


@pytest.mark.django_db
def test_extra_drivers_each_with_their_own_phone(park, tree):
    call_command("bench_accounts", park=park.name, drivers=3, stdout=io.StringIO())
    drivers = User.objects.filter(username__startswith="bench-driver").order_by("username")
    assert [d.username for d in drivers] == ["bench-driver", "bench-driver-2", "bench-driver-3"]
    assert len({d.phone for d in drivers}) == 3 and all(d.role == Role.DRIVER for d in drivers)


@pytest.mark.django_db
def test_drivers_can_check_in_and_the_mediator_sees_a_body(park, tree):
    from drivers_home.models import DriverProfile
    from mediation.models import MediationBody

    body = MediationBody.objects.create(park=park, name="商友之家")
    call_command("bench_accounts", park=park.name, drivers=3, stdout=io.StringIO())
    call_command("bench_accounts", park=park.name, drivers=3, stdout=io.StringIO())  # again: nothing new
    # A driver checks in only with a profile: every bench driver has exactly one.
    assert DriverProfile.objects.filter(user__username__startswith="bench-driver").count() == 3
    assert list(body.mediators.values_list("username", flat=True)) == ["bench-mediator"]


def test_the_signed_in_frame_page_is_off_unless_benchmarking(client, alice, settings):
    client.force_login(alice)
    assert client.get("/bench/frame/").status_code == 404
    settings.BENCHMARK_PAGE_ENABLED = True
    response = client.get("/bench/frame/")
    assert response.status_code == 200
    html = response.content.decode()
    first_park = Park.objects.filter(pk=1).first()  # the bare page's query
    assert f"<p>{first_park.name if first_park else '-'}</p>" in html
    assert 'class="menu"' in html and 'class="lang"' in html  # the whole frame, as every signed-in page has it
    client.logout()
    assert client.get("/bench/frame/").status_code == 302
