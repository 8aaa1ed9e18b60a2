"""The case list renders its rows and its filter's selects in Python (for speed): the same HTML as Django's
widgets, the same facts as the case's own properties, everything escaped."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from mediation.models import Applicant, BodyKind, Case, MediationBody, Status
from parkportal.masking import mask_id_number, mask_phone
from parkportal.widgets import FastSelect
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


GROUPED = [("", "---------"), ("Outdoor", [("a", "A & <b>"), ("b", "B")]), ("c", mark_safe("<i>C</i>")), (None, "none")]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        ([("", "---------"), ("wages", "Unpaid wages"), ("other", "Other")], None, {"id": "id_x"}),
        ([("", "---------"), ("wages", "Unpaid wages"), ("other", "Other")], "other", {"id": "id_x"}),
        ([(1, "商友之家"), (2, '"quoted" <name>')], 2, {"id": "id_b", "aria-invalid": "true", "required": True}),
        ([(1, "x"), (1, "duplicate value: only the first is selected")], "1", {"disabled": False, "data-x": 'a"b'}),
        (GROUPED, "b", None),
        (GROUPED, "", {"id": "id_g"}),
        ([], None, None),
    ],
)
def test_fast_select_renders_what_djangos_select_renders(choices, value, attrs):
    slow = forms.Select(choices=choices).render("field", value, attrs=attrs)
    fast = FastSelect(choices=choices).render("field", value, attrs=attrs)
    assert _squeeze(fast) == _squeeze(slow)


def _row(html: str, case: Case) -> str:
    start = html.index(f'href="/mediation/{case.pk}/"')
    return html[html.rfind("<tr", 0, start) : html.index("</tr>", start)]


def test_each_row_shows_what_the_case_says(client, mabel, room, tree):
    """The list computes the clock and the labels from columns; the case page from the model. They agree."""
    cases = [
        make_case(room, status=Status.IN_MEDIATION, days_ago=5, respondent_enterprise=tree["e1"], respondent_name=""),
        make_case(room, status=Status.ACCEPTED, days_ago=13, dispute_type="work_injury"),  # 2 days left
        make_case(room, status=Status.RECEIVED, days_ago=15),  # last day
        make_case(room, status=Status.IN_MEDIATION, days_ago=18, applicants=3),  # 3 days over
        make_case(room, status=Status.AGREEMENT, outcome="agreement", days_ago=30),  # clock stopped
        make_case(room, status=Status.WITHDRAWN, days_ago=40, applicants=0),
    ]
    Applicant.objects.create(case=cases[-1], name="无电话")  # neither phone nor ID
    client.force_login(mabel)
    with translation.override("en"):
        html = client.get(reverse("mediation:case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        _assert_rows(html, cases)
        assert "3 days over" in _row(html, cases[3]) and "Last day" in _row(html, cases[2])
    with translation.override("zh-hans"):
        html = client.get(reverse("mediation:case_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        _assert_rows(html, cases)
        assert "超期 3 天" in _row(html, cases[3])


def _assert_rows(html: str, cases: list[Case]) -> None:
    for case in cases:
        row = _row(html, case)
        css, text = case.clock_badge
        assert f'<span class="{css}">{text}</span>' in row
        assert row.startswith('<tr class="overdue">' if case.overdue else '<tr class="">')
        for shown in (case.number, case.get_dispute_type_display(), case.body.name, f"{case.received_on:%Y-%m-%d}"):
            assert f">{shown}<" in row
        assert f'data-label="{translation.gettext("Status")}">{case.get_status_display()}<' in row
        assert f">{case.respondent}<" in row
        applicants = list(case.applicants.order_by("pk"))
        assert row.count('class="applicant"') == len(applicants)
        for a in applicants:
            assert a.name in row
            if a.phone:
                assert mask_phone(a.phone) in row and a.phone not in row
            if a.id_number:
                assert mask_id_number(a.id_number) in row and a.id_number not in row


def test_rows_escape_what_people_typed(client, mabel, room):
    case = make_case(room, respondent_name='<script>alert("r")</script>', applicants=0)
    Applicant.objects.create(case=case, name="<b>工人</b>", phone="13900001234")
    MediationBody.objects.filter(pk=room.pk).update(name="商友<之家>")
    client.force_login(mabel)
    row = _row(client.get(reverse("mediation:case_list")).content.decode(), case)
    assert "<script>" not in row and "&lt;script&gt;alert(&quot;r&quot;)&lt;/script&gt;" in row
    assert "<b>" not in row and "&lt;b&gt;工人&lt;/b&gt;" in row
    assert "商友&lt;之家&gt;" in row


def test_chinese_row_labels(client, mabel, room):
    case = make_case(room, status=Status.IN_MEDIATION, days_ago=14)
    client.force_login(mabel)
    html = client.get(reverse("mediation:case_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    row = _row(html, case)
    assert "剩 1 天" in row and 'data-label="状态"' in row and "Status" not in row


def _options(html: str) -> list[str]:
    select = html[html.index('<select name="body"') : html.index("</select>", html.index('<select name="body"'))]
    return re.findall(r'<option value="(\d*)"', select)


def test_body_filter_offers_the_users_bodies_with_cases(client, mabel, alice, room, committee, park):
    idle = MediationBody.objects.create(park=park, name="书记帮帮团", kind=BodyKind.ROOM)  # no cases
    idle.mediators.add(mabel)
    make_case(room)
    make_case(committee)
    client.force_login(mabel)
    assert _options(client.get(reverse("mediation:case_list")).content.decode()) == ["", str(room.pk)]
    client.force_login(alice)  # the park's: rooms first, then committees
    assert _options(client.get(reverse("mediation:case_list")).content.decode()) == [
        "",
        str(room.pk),
        str(committee.pk),
    ]


def test_body_filter_selects_and_filters(client, alice, room, committee):
    mine, other = make_case(room), make_case(committee)
    client.force_login(alice)
    html = client.get(reverse("mediation:case_list"), {"body": committee.pk}).content.decode()
    assert f'<option value="{committee.pk}" selected>' in html
    assert f'href="/mediation/{other.pk}/"' in html and f'href="/mediation/{mine.pk}/"' not in html
    # A body outside the user's choices is a form error, not a 500, and the list is unfiltered.
    response = client.get(reverse("mediation:case_list"), {"body": "999999"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()


def test_case_history_shows_each_event_with_its_labels(client, mabel, room):
    case = make_case(room)
    client.force_login(mabel)
    client.post(reverse("mediation:case_move", args=[case.pk, "accept"]), {"version": case.version})
    with translation.override("en"):
        html = client.get(reverse("mediation:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = html[html.index('<ol class="events">') : html.index("</ol>", html.index('<ol class="events">'))]
    assert "Changed the status: Received → Accepted" in history
    assert history.count("Opened the case") == 1  # this opening (the POST redirected, nothing opened it before)
    with translation.override("zh-hans"):
        html = client.get(reverse("mediation:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    history = html.content.decode()
    assert f"{translation.gettext('Changed the status')}: {Status.RECEIVED.label} → {Status.ACCEPTED.label}" in history


def test_bodies_page_links_to_editing_for_park_admins_only(client, alice, mabel, room, committee):
    edit = reverse("mediation:body_edit", args=[room.pk])
    client.force_login(alice)
    with translation.override("en"):
        html = client.get(reverse("mediation:body_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="{edit}">{room.name}</a>' in html
    assert "Park mediation room" in html and "Enterprise labour-dispute mediation committee" in html
    client.force_login(mabel)
    html = client.get(reverse("mediation:body_list")).content.decode()
    assert room.name in html and edit not in html


_FIELDS_LOOP = (
    '{% for field in form %}<div class="field">{{ field.label_tag }}{{ field }}{{ field.errors }}</div>{% endfor %}'
)


@pytest.mark.parametrize(
    "data",
    [None, {"q": '<b>"x"</b>', "status": "closed", "open": "on"}, {"status": "bogus", "body": "999999", "q": "x" * 99}],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_filter_fields_are_the_template_loop(mabel, room, data, language):
    """views._filter_fields writes what the template's loop over the filter's fields wrote: labels, widgets with
    their (escaped) values, and the errors of a bound filter."""
    from django.template import engines

    from mediation.filters import CaseFilter
    from mediation.views import _filter_fields

    make_case(room)
    with translation.override(language):
        case_filter = CaseFilter(data, queryset=Case.objects.visible_to(mabel), user=mabel)
        if data:
            case_filter.is_valid()
        expected = engines["django"].from_string(_FIELDS_LOOP).render({"form": case_filter.form})
        assert str(_filter_fields(case_filter.form)) == expected
    if data and data["status"] == "bogus":
        assert 'class="errorlist' in expected


def test_unbound_filter_fields_memo_follows_bodies_and_language(client, mabel, room):
    """The unbound filter's fields are memoised under the language and the body choices: a renamed body and the
    other language show at once (a new key), with nothing to invalidate."""
    from mediation import views

    make_case(room)
    client.force_login(mabel)
    url = reverse("mediation:case_list")
    assert room.name in client.get(url).content.decode()
    MediationBody.objects.filter(pk=room.pk).update(name="改名后的 <调解室>")
    html = client.get(url).content.decode()
    assert "改名后的 &lt;调解室&gt;" in html and room.name not in html
    with translation.override("en"):
        en = views._unbound_filter_fields(mabel, [(room.pk, room.name)])
    assert "Search" in en and "搜索" not in en
