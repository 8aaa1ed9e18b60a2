"""URL x role matrix and query budgets for the outreach events (format: tests/matrix.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.matrix import Case, Foreign

OFFICE_200 = {"default": 403, "anonymous": 302, "park_admin": 200, "secretary": 200}
DOOR_200 = {**OFFICE_200, "desk": 200}
DRIVER_200 = {"default": 403, "anonymous": 302, "driver": 200}
EVERYONE_200 = {"default": 200}
POST_ONLY = {"default": 405}


def build(world: dict) -> None:
    from activities.models import Event, EventKind, Registration
    from activities.services import registration_create

    park, tree, users = world["park"], world["tree"], world["users"]
    organiser = tree["b1"]
    g1 = tree["g1"]
    if g1.secretary_user_id is None:
        g1.secretary_user = users["secretary"]
        g1.save()
    elif g1.secretary_user_id != users["secretary"].pk:
        # The secretary answers for another branch of the tree: organise the event there.
        from parties.models import Organisation

        organiser = Organisation.objects.filter(secretary_user=users["secretary"]).first() or organiser
    kind = EventKind.objects.create(
        park=park,
        slug="clinic-matrix",
        name="健康义诊",
        figures=[{"key": "staff", "label": "医护人员"}, {"key": "screened", "label": "筛查人数"}],
    )
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        park=park,
        kind=kind,
        organiser=organiser,
        title="健康义诊（矩阵）",
        venue_text="卡车司机之家",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=100,
        status="published",
        allow_family=True,
    )
    driver = users["driver"]
    if not driver.phone:
        driver.phone = "17799990000"
        driver.save(update_fields=["phone"])
    registration, _ = registration_create(event=event, user=driver)
    world["event"] = event
    world["event_kind"] = kind
    world["registration"] = registration
    # Another park's event and registration, and one of this park outside the secretary's subtree.
    from parties.models import Organisation

    other_park = world["other_park"]
    foreign_org = Organisation.objects.create(park=other_park, name="别的园区党工委", tier_name="园区党工委")
    foreign_kind = EventKind.objects.create(park=other_park, slug="clinic-foreign", name="健康义诊")
    foreign_event = Event.objects.create(
        park=other_park,
        kind=foreign_kind,
        organiser=foreign_org,
        title="别的园区义诊",
        venue_text="别处",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=10,
        status="published",
    )
    world["foreign_event"] = foreign_event
    world["foreign_registration"] = Registration.objects.create(event=foreign_event, name="别人", phone="")
    outside = Event.objects.create(
        park=park,
        kind=kind,
        organiser=tree["b2"],
        title="子树外的活动",
        venue_text="别处",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        status="published",
    )
    world["outside_registration"] = Registration.objects.create(event=outside, name="子树外", phone="")


def grow(world: dict, n: int) -> None:
    from activities.models import Event, Registration
    from parkportal.models import User
    from parkportal.roles import Role

    event, park = world["event"], world["park"]
    base = world.setdefault("_events_grown", 0)
    start = event.starts_at
    Event.objects.bulk_create(
        [
            Event(
                park=park,
                kind=world["event_kind"],
                organiser=event.organiser,
                title=f"活动 {base + i}",
                venue_text="卡车司机之家",
                starts_at=start + timedelta(hours=i + 1),
                ends_at=start + timedelta(hours=i + 3),
                capacity=50,
                status="published",
            )
            for i in range(n)
        ]
    )
    people = User.objects.bulk_create(
        [
            User(username=f"mx-driver-{base + i}", role=Role.DRIVER, park=park, phone=f"1779{base + i:07d}")
            for i in range(n)
        ]
    )
    Registration.objects.bulk_create(
        [Registration(event=event, user=u, name=f"司机{u.pk}", phone=u.phone) for u in people]
    )
    world["_events_grown"] = base + n


def _code(w: dict) -> dict:
    return {"code": w["registration"].ticket_code}


def _pk(w: dict) -> dict:
    return {"pk": w["event"].pk}


def _registration(key: str):
    return lambda w: {"pk": w[key].event_id, "registration_pk": w[key].pk}


CASES = {
    # The session with its user, the page of events with the places held, the driver's own registrations, the
    # count for the pager and the kinds' generation (one statement), the kinds (filter form and the rows' kind
    # names; kept per process under that generation, counted here as the budget test empties what is kept).
    "activities:event_list": Case(expect=EVERYONE_200, budget=("driver", 3)),
    # The session with its user, the event with its places held, the driver's registration and waiting rank (one
    # statement).
    "activities:event_detail": Case(kwargs=_pk, expect=EVERYONE_200, budget=("driver", 2)),
    # The session with its user, event, places held (with a limit).
    "activities:event_register": Case(kwargs=_pk, expect=DRIVER_200, budget=("driver", 3)),
    # The session with its user, count for the pager, registrations with their events.
    "activities:mine": Case(expect=DRIVER_200, budget=("driver", 3)),
    # The session with its user, registration with its event, venue, waiting rank and whether it has family
    # members (they only when there are some).
    "activities:ticket": Case(kwargs=_code, expect=DRIVER_200, budget=("driver", 2)),
    "activities:ticket_cancel": Case(kwargs=_code, expect=POST_ONLY),
    # The session with its user, registration with its event.
    "activities:ticket_ics": Case(kwargs=_code, expect=DRIVER_200, budget=("driver", 2)),
    # The door's page of one ticket: the session with its user, registration with its event, family members.
    "activities:checkin": Case(kwargs=_code, expect=DOOR_200, budget=("desk", 3)),
    # The door's search: the session with its user, event, matching registrations, their family members, the
    # event's counts aggregate.
    "activities:door": Case(kwargs=_pk, expect=DOOR_200, query="q=0000", budget=("desk", 5)),
    "activities:door_walkin": Case(kwargs=_pk, expect=POST_ONLY),
    # The confirmation page of cancelling someone's registration (the POST cancels). The session with its user,
    # registration with its event and canceller, family prefetch.
    "activities:registration_cancel": Case(kwargs=_registration("registration"), expect=DOOR_200, budget=("desk", 3)),
    # The session with its user, count, events, their places held, kinds and organisers for the filter form.
    "activities:manage": Case(expect=DOOR_200, budget=("park_admin", 6)),
    # The session with its user, the form's choices: kinds, organisations, sites.
    "activities:event_create": Case(expect=OFFICE_200, budget=("park_admin", 4)),
    # The session with its user, event, count, registrations page, family prefetch, counts aggregate, broadcasts.
    "activities:manage_event": Case(kwargs=_pk, expect=OFFICE_200, budget=("park_admin", 7)),
    # The session with its user, event, the form's choices: kinds, organisations, sites.
    "activities:event_edit": Case(kwargs=_pk, expect=OFFICE_200, budget=("park_admin", 5)),
    "activities:event_publish": Case(kwargs=_pk, expect=POST_ONLY),
    "activities:event_cancel": Case(kwargs=_pk, expect=POST_ONLY),
    # The session with its user, event, registrations, their family members.
    "activities:event_export": Case(kwargs=_pk, expect=OFFICE_200, budget=("park_admin", 4)),
    # The session with its user, event.
    "activities:event_message": Case(kwargs=_pk, expect=OFFICE_200, budget=("park_admin", 2)),
    # The session with its user, event, its outcome, the counts aggregate.
    "activities:event_outcome": Case(kwargs=_pk, expect=OFFICE_200, budget=("park_admin", 4)),
    # The session with its user, the month's events.
    "activities:calendar": Case(expect=DOOR_200, budget=("park_admin", 2)),
    # The session with its user, events and registrations per kind, people served per kind, the latest events with
    # their counts and outcomes.
    "activities:report": Case(expect=OFFICE_200, budget=("park_admin", 4)),
}


# Objects outside a role's scope, answering 404 (run by tests/test_url_matrix.py).
FOREIGN = {
    "another park's registration (cancel)": Foreign(
        "park_admin", "activities:registration_cancel", _registration("foreign_registration")
    ),
    "another park's registration (cancel, desk)": Foreign(
        "desk", "activities:registration_cancel", _registration("foreign_registration")
    ),
    "a registration outside the secretary's subtree (cancel)": Foreign(
        "secretary", "activities:registration_cancel", _registration("outside_registration")
    ),
}
