"""Whatever a phone sends to the visit form, the answer is a page or a redirect, never a 500, and a refused
form saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parties.models import Visit

text = st.text(max_size=600)
field_values = st.one_of(text, st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "2026-02-30", "0"]))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {
            "enterprise": field_values,
            "date": field_values,
            "kind": st.one_of(st.sampled_from(["org_life", "policy", "other"]), text),
            "people_met": text,
            "summary": text,
            "problems-TOTAL_FORMS": st.one_of(st.sampled_from(["0", "1", "3", "21", "1000"]), text),
            "problems-INITIAL_FORMS": st.sampled_from(["0", "1", "x"]),
            "problems-0-description": text,
            "problems-0-state": st.one_of(st.sampled_from(["open", "in_hand", "solved"]), text),
            "problems-0-owner": text,
        }
    )
)
def test_the_visit_form_never_answers_500(client, ian, tree, data):
    client.force_login(ian)
    before = Visit.objects.count()
    response = client.post(reverse("parties:visit_new"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Visit.objects.count() == before
