"""Every mediation form fuzzed through the test client: never a 500, nothing written when the form is invalid."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediation.models import Agreement, Applicant, Case, CaseEvent, Instalment, Session
from tests.mediation.test_intake import form_data

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "2026-02-30", "0000-00-00", "9999-12-31", "1e309", "NaN", "-0", "0x10", "\x00", "   "]),
)
FIELDS = [
    "body",
    "intake",
    "received_at",
    "matter",
    "reasons",
    "respondent_pick",
    "respondent_name",
    "dispute_type",
    "amount_claimed",
    "harm_known_on",
    "facts",
    "requests",
    "source",
    "applicants-TOTAL_FORMS",
    "applicants-0-name",
    "applicants-0-phone",
    "applicants-0-id_number",
]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _rows():
    return tuple(m.objects.count() for m in (Case, Applicant, CaseEvent, Session, Agreement, Instalment))


@FUZZ
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), junk, min_size=1, max_size=6))
def test_intake_fuzz(client, mabel, room, overrides):
    client.force_login(mabel)
    before = Case.objects.count()
    response = client.post("/mediation/new/", form_data(room, **overrides))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Case.objects.count() == before
    else:
        case = Case.objects.order_by("-pk").first()
        assert case.applicants.exists()


ACTIONS = [
    ("mediation:case_decline", ["version", "reason", "referral"]),
    ("mediation:session_add", ["version", "held_on", "place", "present", "minutes"]),
    (
        "mediation:agreement_add",
        ["version", "facts_in_dispute", "terms", "performance", "perform_by", "amount", "signed_on"],
    ),
    ("mediation:instalment_add", ["version", "amount", "due_on", "paid_on", "note"]),
]


@FUZZ
@given(which=st.integers(0, len(ACTIONS) - 1), values=st.lists(junk, min_size=7, max_size=7))
def test_action_forms_fuzz(client, mabel, case, which, values):
    client.force_login(mabel)
    name, fields = ACTIONS[which]
    before = _rows()
    response = client.post(reverse(name, args=[case.pk]), dict(zip(fields, values, strict=False)))
    assert response.status_code == 302  # back to the case, with the errors as messages
    # Junk never moves a received case: decline needs its version (1) and a reason, the rest a later state.
    case.refresh_from_db()
    if case.status == "received":
        assert _rows() == before


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(["name", "kind", "enterprise", "address", "mediators", "active"]), junk, max_size=6
    )
)
def test_body_form_fuzz(client, alice, room, values):
    from mediation.models import MediationBody

    client.force_login(alice)
    before = MediationBody.objects.count()
    response = client.post(reverse("mediation:body_create"), values)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert MediationBody.objects.count() == before
