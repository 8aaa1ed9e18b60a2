"""Editing a visit: its author for 7 days, then only a park administrator; every edit kept and shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from parties.models import VisitRevision
from parties.visit_services import visit_update
from tests.parties.visit_matrix import jpeg_upload, make_visit

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LOGGED = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def visit(ian, tree):
    with time_machine.travel(LOGGED, tick=False):
        return make_visit(
            ian, tree["e1"], problems=[{"description": "活动室不够用", "state": "open", "owner": "行政部"}], photos=1
        )


def _form_data(visit, **changes) -> dict:
    problem = visit.problems.get()
    data = {
        "enterprise": visit.enterprise_id,
        "date": visit.date.isoformat(),
        "kind": visit.kind,
        "people_met": visit.people_met,
        "summary": visit.summary,
        "problems-TOTAL_FORMS": "3",
        "problems-INITIAL_FORMS": "1",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
        "problems-0-id": problem.pk,
        "problems-0-description": problem.description,
        "problems-0-state": problem.state,
        "problems-0-owner": problem.owner,
        "problems-1-state": "open",
        "problems-2-state": "open",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_author_edits_within_seven_days_and_the_history_shows_what_changed(client, ian, visit):
    client.force_login(ian)
    url = reverse("parties:visit_edit", kwargs={"pk": visit.pk})
    with time_machine.travel(LOGGED + timedelta(days=6, hours=23), tick=False):
        assert client.get(url).status_code == 200
        data = _form_data(
            visit,
            summary="讲解了三会一课，并检查了会议记录。",
            **{"problems-0-state": "solved", "problems-1-description": "党员活动证未更新", "problems-1-owner": "支部"},
        )
        data["photos"] = [jpeg_upload("later.jpg")]
        response = client.post(url, data, **EN)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.summary == "讲解了三会一课，并检查了会议记录。"
    problems = {p.description: p for p in visit.problems.all()}
    assert problems["活动室不够用"].state == "solved" and problems["活动室不够用"].solved_on is not None
    assert problems["党员活动证未更新"].owner == "支部"
    assert visit.photos.count() == 2

    revision = VisitRevision.objects.get()
    assert revision.user == ian
    fields = {c["field"] for c in revision.changes}
    assert fields == {"summary", "problem_state", "problem_added", "photo_added"}
    summary = next(c for c in revision.changes if c["field"] == "summary")
    assert summary["old"] == "讲解了三会一课的基本要求。"

    page = client.get(reverse("parties:visit_detail", kwargs={"pk": visit.pk}), **EN).content.decode()
    assert "History" in page
    assert "<del>讲解了三会一课的基本要求。</del>" in page and "<ins>讲解了三会一课，并检查了会议记录。</ins>" in page
    assert "<del>Open</del> → <ins>Solved</ins>" in page
    assert "Problem added" in page and "Photo added" in page


@pytest.mark.django_db
def test_after_seven_days_only_a_park_administrator_may_edit(client, ian, alice, sam, visit):
    edit = reverse("parties:visit_edit", kwargs={"pk": visit.pk})
    detail = reverse("parties:visit_detail", kwargs={"pk": visit.pk})
    with time_machine.travel(LOGGED + timedelta(days=7, minutes=1), tick=False):
        client.force_login(ian)
        assert client.get(edit).status_code == 403
        assert client.post(edit, _form_data(visit, summary="改了")).status_code == 403
        assert "Edit visit" not in client.get(detail, **EN).content.decode()
        with pytest.raises(PermissionDenied):
            visit_update(visit=visit, user=ian, changes={"summary": "绕过表单"})

        client.force_login(sam)  # a secretary sees the visit but never edits it
        assert client.get(detail).status_code == 200
        assert client.get(edit).status_code == 403

        client.force_login(alice)
        assert client.get(edit).status_code == 200
        response = client.post(edit, _form_data(visit, people_met="王经理、工会主席"), **EN)
        assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.people_met == "王经理、工会主席"
    revision = VisitRevision.objects.get()
    assert revision.user == alice
    assert revision.changes == [{"field": "people_met", "old": "王经理", "new": "王经理、工会主席"}]


@pytest.mark.django_db
def test_an_edit_that_changes_nothing_leaves_no_revision(client, ian, visit):
    client.force_login(ian)
    with time_machine.travel(LOGGED + timedelta(days=1), tick=False):
        response = client.post(reverse("parties:visit_edit", kwargs={"pk": visit.pk}), _form_data(visit))
    assert response.status_code == 302
    assert not VisitRevision.objects.exists()


@pytest.mark.django_db
def test_removing_a_photo_and_a_problem_is_recorded(client, ian, visit, django_capture_on_commit_callbacks):
    client.force_login(ian)
    photo = visit.photos.get()
    data = _form_data(visit, remove_photos=[photo.pk], **{"problems-0-DELETE": "on"})
    with time_machine.travel(LOGGED + timedelta(days=2), tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("parties:visit_edit", kwargs={"pk": visit.pk}), data)
    assert response.status_code == 302
    assert not visit.photos.exists() and not visit.problems.exists()
    assert not photo.image.storage.exists(photo.image.name)  # the files go with the row
    assert not photo.thumbnail.storage.exists(photo.thumbnail.name)
    fields = sorted(c["field"] for c in VisitRevision.objects.get().changes)
    assert fields == ["photo_removed", "problem_removed"]


@pytest.mark.django_db
def test_another_instructor_cannot_edit_or_see_the_visit(client, ian, tree, park, visit):
    from tests.conftest import make_user

    other = make_user("ivy", "instructor", park)
    tree["ins2"].user = other
    tree["ins2"].save()
    client.force_login(other)
    assert client.get(reverse("parties:visit_edit", kwargs={"pk": visit.pk})).status_code == 404
    assert client.get(reverse("parties:visit_detail", kwargs={"pk": visit.pk})).status_code == 404


@pytest.mark.django_db
def test_the_follow_up_of_a_problem_can_be_recorded_after_the_edit_window(client, ian, sam, park, tree, visit):
    from tests.conftest import make_user

    problem = visit.problems.get()
    url = reverse("parties:visit_problem_follow_up", kwargs={"pk": problem.pk})
    detail = reverse("parties:visit_detail", kwargs={"pk": visit.pk})
    with time_machine.travel(LOGGED + timedelta(days=20), tick=False):
        client.force_login(ian)
        assert "Update follow-up" in client.get(detail, **EN).content.decode()
        response = client.post(url, {f"p{problem.pk}-state": "solved", f"p{problem.pk}-owner": "行政部"})
        assert response.status_code == 302
        problem.refresh_from_db()
        assert problem.state == "solved" and str(problem.solved_on) == "2026-03-22"
        client.force_login(sam)
        client.post(url, {f"p{problem.pk}-state": "in_hand", f"p{problem.pk}-owner": "综合党委一"})
        problem.refresh_from_db()
        assert (problem.state, problem.owner, problem.solved_on) == ("in_hand", "综合党委一", None)
        # Another instructor neither sees nor changes it; a bad state is refused.
        other = make_user("ivy", "instructor", park)
        tree["ins2"].user = other
        tree["ins2"].save()
        client.force_login(other)
        assert client.post(url, {f"p{problem.pk}-state": "solved"}).status_code == 404
        client.force_login(ian)
        client.post(url, {f"p{problem.pk}-state": "bogus"})
    problem.refresh_from_db()
    assert problem.state == "in_hand"
    changes = [(r.user.username, c["field"], c["new"]) for r in VisitRevision.objects.order_by("pk") for c in r.changes]
    assert changes == [
        ("ian", "problem_state", "solved"),
        ("sam", "problem_state", "in_hand"),
        ("sam", "problem_owner", "综合党委一"),
    ]
