"""Every events form fuzzed through the test client: never a 500, nothing written when the form is invalid."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.models import Event, FamilyMember, Registration

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", "2026-02-30T10:00", "9999-12-31T23:59", "0000-00-00", "\x00", "-1", "1e9", "NaN"]),
)
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "title",
                "starts_at",
                "ends_at",
                "capacity",
                "kind",
                "organiser",
                "venue_text",
                "registration_opens",
                "registration_closes",
                "submit_token",
                "audience",
                "description",
            ]
        ),
        junk,
    )
)
def test_event_form_never_500(client, alice, kinds, tree, data):
    client.force_login(alice)
    before = Event.objects.count()
    response = client.post(reverse("activities:event_create"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Event.objects.count() == before


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "family-TOTAL_FORMS",
                "family-INITIAL_FORMS",
                "family-0-name",
                "family-0-relation",
                "family-0-age",
                "family-9-name",
            ]
        ),
        junk,
    )
)
def test_register_form_never_500(client, clinic, dong, data):
    client.force_login(dong)
    response = client.post(reverse("activities:event_register", args=[clinic.pk]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not Registration.objects.filter(user=dong).exists()
    Registration.objects.all().delete()
    assert not FamilyMember.objects.exists()


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["name", "phone", "submit_token", "body", "include_waiting", "people_served", "fig_staff", "report"]
        ),
        junk,
    )
)
def test_door_message_outcome_forms_never_500(client, alice, clinic, data):
    client.force_login(alice)
    for name in ("activities:door_walkin", "activities:event_message", "activities:event_outcome"):
        response = client.post(reverse(name, args=[clinic.pk]), data)
        assert response.status_code in (200, 302), name
