"""No query string makes a party list answer anything but 200 (bad values become field errors)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

KEYS = ["q", "kind", "platform", "category", "coverage", "organisation", "must", "status", "floating"]
KEYS += ["birthday_month", "inactive", "page"]
VALUES = st.one_of(
    st.text(max_size=30), st.just("\x00"), st.integers(-(2**70), 2**70).map(str), st.sampled_from(["true", "", "0"])
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5))
def test_list_filters_never_fail(client, alice, tree, params):
    client.force_login(alice)
    for name in ("parties:enterprise_list", "parties:member_list", "parties:enterprise_export"):
        assert client.get(reverse(name), params).status_code == 200
