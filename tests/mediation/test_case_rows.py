"""The case list's rows (mediation.views._case_rows, an f-string per row) are the markup the previous str.format
template (CASE_ROW, kept here as the reference) wrote, in both languages, escaping included."""

from __future__ import annotations

from html import escape as html_escape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mediation import views
from mediation.models import Applicant, DisputeType, MediationBody, Status, clock_badge, clock_days_left
from parkportal.masking import mask_id_number, mask_phone
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db

CASE_ROW = (
    '<tr class="{overdue}">\n'
    '    <td data-label="{l[no]}"><a href="{url}">{number}</a></td>\n'
    '    <td data-label="{l[applicants]}">{applicants}</td>\n'
    '    <td data-label="{l[respondent]}">{respondent}</td>\n'
    '    <td data-label="{l[type]}">{type}</td>\n'
    '    <td data-label="{l[body]}">{body}</td>\n'
    '    <td data-label="{l[received]}">{received}</td>\n'
    '    <td data-label="{l[status]}">{status}</td>\n'
    '    <td data-label="{l[clock]}" class="clock"><span class="{badge_class}">{badge}</span></td>\n'
    "  </tr>"
)


def reference_rows(rows, labels):
    """The previous _case_rows, as it was."""
    applicants = {}
    for case_id, name, phone, id_number in (
        Applicant.objects.filter(case_id__in=[r[0] for r in rows])
        .order_by("case_id", "pk")
        .values_list("case_id", "name", "phone", "id_number")
    ):
        phone = f' <span class="muted">{html_escape(mask_phone(phone))}</span>' if phone else ""
        id_number = f' <span class="muted">{html_escape(mask_id_number(id_number))}</span>' if id_number else ""
        applicants.setdefault(case_id, []).append(
            f'<span class="applicant">{html_escape(name)}{phone}{id_number}</span>'
        )
    statuses = {value: str(label) for value, label in Status.choices}
    types = {value: html_escape(str(label)) for value, label in DisputeType.choices}
    today = timezone.localdate()
    prefix = reverse("mediation:case_list")
    out = []
    for pk, received_on, status, dispute_type, respondent_name, body_name, enterprise_name in rows:
        left = clock_days_left(status, received_on, today)
        css, text = clock_badge(left, statuses.get(status, status))
        out.append(
            CASE_ROW.format(
                l=labels,
                overdue="overdue" if left is not None and left < 0 else "",
                url=f"{prefix}{pk}/",
                number=f"{received_on:%Y}-{pk:05d}",
                applicants="，".join(applicants.get(pk, ())),
                respondent=html_escape(enterprise_name if enterprise_name is not None else respondent_name),
                type=types.get(dispute_type) or html_escape(dispute_type),
                body=html_escape(body_name),
                received=received_on.isoformat(),
                status=html_escape(statuses.get(status, status)),
                badge_class=css,
                badge=html_escape(text),
            )
        )
    return out


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rows_are_the_reference_rows(mabel, room, committee, tree, language):
    MediationBody.objects.filter(pk=room.pk).update(name='商友"之家" <&>')
    room.refresh_from_db()
    make_case(room, status=Status.IN_MEDIATION, days_ago=5, respondent_enterprise=tree["e1"], respondent_name="")
    make_case(room, status=Status.ACCEPTED, days_ago=13, dispute_type="work_injury", respondent_name="wages")
    make_case(room, status=Status.RECEIVED, days_ago=15, respondent_name="<script>'x'</script>", applicants=3)
    make_case(room, status=Status.IN_MEDIATION, days_ago=18, respondent_name="<script>'x'</script>")
    make_case(committee, status=Status.AGREEMENT, outcome="agreement", days_ago=30, dispute_type="nonsense")
    withdrawn = make_case(room, status=Status.WITHDRAWN, days_ago=40, applicants=0)
    Applicant.objects.create(case=withdrawn, name="无电话 & <i>")
    Applicant.objects.create(case=withdrawn, name="x", phone="<1390001>", id_number="")
    rows = list(
        views._with_enterprise_name(views.Case.objects.order_by("-received_on", "-pk")).values_list(
            *views.CASE_LIST_COLUMNS
        )
    )
    with translation.override(language):
        labels = views._case_list_labels()
        assert views._case_rows(rows, labels) == reference_rows(rows, labels)
