"""The intake form's respondent: typed, resolved by the server to an enterprise of the user's park, or kept as written.

The form used to carry a <select> of every enterprise (3,549 in the large park: a 500 KB page); now the mediator types
a name, and without any JavaScript the server links it, offers the matching enterprises to choose from, or keeps it.
"""

from __future__ import annotations

import pytest

from mediation.forms import MAX_RESPONDENT_MATCHES
from mediation.models import Applicant, Case, CaseEvent
from parties.models import Enterprise, EnterpriseKind
from tests.mediation.test_intake import URL, form_data

pytestmark = pytest.mark.django_db


def _rows():
    return (Case.objects.count(), Applicant.objects.count(), CaseEvent.objects.count())


def test_exact_name_links_the_registered_enterprise(client, mabel, room, tree):
    client.force_login(mabel)
    response = client.post(URL, form_data(room, respondent_name=" 云集药业 "))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.respondent_enterprise == tree["e2"] and case.respondent_name == ""
    assert case.respondent == "云集药业"


def test_an_enterprise_of_another_park_is_never_linked(client, mabel, room, tree, other_park):
    foreign = Enterprise.objects.create(park=other_park, name="外园区物流公司", kind=EnterpriseKind.PLATFORM)
    client.force_login(mabel)
    response = client.post(URL, form_data(room, respondent_name="外园区物流公司"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.respondent_enterprise is None and case.respondent_name == "外园区物流公司"
    # Nor by forging the pick of the offered matches: an error, nothing written.
    before = _rows()
    response = client.post(URL, form_data(room, respondent_name="外园区", respondent_pick=str(foreign.pk)))
    assert response.status_code == 200 and _rows() == before
    assert "请从列出的企业中选择一家" in response.content.decode()


def test_unknown_name_is_kept_as_free_text(client, mabel, room, tree):
    client.force_login(mabel)
    response = client.post(URL, form_data(room, respondent_name="王老板（个体户）"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.respondent_enterprise is None and case.respondent_name == "王老板（个体户）"


def test_partial_name_offers_the_matches_then_the_pick_links_it(client, mabel, room, tree):
    Enterprise.objects.create(park=tree["root"].park, name="云集药业物流分公司", kind=EnterpriseKind.PLATFORM)
    client.force_login(mabel)
    before = _rows()
    response = client.post(URL, form_data(room, respondent_name="云集"))
    assert response.status_code == 200 and _rows() == before  # nothing written while the respondent is unclear
    html = response.content.decode()
    assert "名录中有企业与这个名称相符" in html  # the field's error, in Chinese
    assert f'name="respondent_pick" value="{tree["e2"].pk}"' in html
    assert "云集药业物流分公司" in html and "传化公路港" not in html
    assert 'name="respondent_pick" value="none"' in html

    response = client.post(URL, form_data(room, respondent_name="云集", respondent_pick=str(tree["e2"].pk)))
    assert response.status_code == 302
    assert Case.objects.get().respondent_enterprise == tree["e2"]


def test_keeping_the_name_as_written_despite_matches(client, mabel, room, tree):
    client.force_login(mabel)
    response = client.post(URL, form_data(room, respondent_name="药业", respondent_pick="none"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.respondent_enterprise is None and case.respondent_name == "药业"


def test_pick_is_kept_when_another_field_sends_the_form_back(client, mabel, room, tree):
    client.force_login(mabel)
    data = form_data(room, respondent_name="云集", respondent_pick=str(tree["e2"].pk), matter="")
    response = client.post(URL, data)
    assert response.status_code == 200 and Case.objects.count() == 0
    assert f'value="{tree["e2"].pk}" checked' in response.content.decode()


@pytest.mark.parametrize("pick", ["abc", "-1", "99999999999999999999", "²", "0"])
def test_bad_pick_writes_nothing(client, mabel, room, tree, pick):
    client.force_login(mabel)
    before = _rows()
    response = client.post(URL, form_data(room, respondent_name="云集", respondent_pick=pick))
    assert response.status_code == 200 and _rows() == before


def test_missing_respondent_is_an_error_in_chinese(client, mabel, room, tree):
    client.force_login(mabel)
    before = _rows()
    response = client.post(URL, form_data(room, respondent_name="   "))
    assert response.status_code == 200 and _rows() == before
    assert "请填写被申请人名称" in response.content.decode()


def test_many_matches_are_capped_and_the_form_stays_small(client, mabel, room, tree, park):
    Enterprise.objects.bulk_create(
        Enterprise(park=park, name=f"新都货运有限公司{i:04d}", kind=EnterpriseKind.PLATFORM) for i in range(400)
    )
    client.force_login(mabel)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "新都货运有限公司" not in html and '<select name="respondent' not in html
    assert len(page.content) < 40_000  # was ~500 KB with a <select> of 3,549 enterprises

    response = client.post(URL, form_data(room, respondent_name="新都货运"))
    assert response.status_code == 200 and Case.objects.count() == 0
    html = response.content.decode()
    assert html.count('name="respondent_pick"') == MAX_RESPONDENT_MATCHES + 1  # the matches + "none of these"
    assert "请输入更完整的名称" in html
