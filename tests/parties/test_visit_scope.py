"""Who sees which visits, problems and photos: every persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parties.models import Enterprise, EnterpriseKind, Visit, VisitPhoto, VisitProblem
from tests.conftest import make_user
from tests.parties.visit_matrix import link_instructor, make_visit

PROBLEM = [{"description": "问题", "state": "open"}]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def visits(park, other_park, tree, ian):
    """ian's visit at 传化公路港 and at one of its secondary enterprises; another instructor's at 云集药业;
    a visit in the other park."""
    tenant = Enterprise.objects.create(park=park, name="入驻企业甲", kind=EnterpriseKind.SECONDARY, platform=tree["e1"])
    ivy = make_user("ivy", "instructor", park)
    link_instructor(ivy, tree["ins2"])
    from parties.models import Instructor

    far_instructor = Instructor.objects.create(park=other_park, name="别处指导员")
    far_user = make_user("far", "instructor", other_park)
    link_instructor(far_user, far_instructor)
    far_enterprise = Enterprise.objects.create(
        park=other_park, name="别处平台", kind=EnterpriseKind.PLATFORM, instructor=far_instructor
    )
    return {
        "own": make_visit(ian, tree["e1"], problems=PROBLEM, photos=1),
        "tenant": make_visit(ian, tenant, problems=PROBLEM),
        "other": make_visit(ivy, tree["e2"], problems=PROBLEM, photos=1),
        "far": make_visit(far_user, far_enterprise, problems=PROBLEM),
    }


def _seen(user) -> set[str]:
    return set(Visit.objects.visible_to(user).values_list("enterprise__name", flat=True))


@pytest.mark.django_db
def test_each_persona_sees_exactly_their_visits(visits, alice, sam, ian, olga, nobody):
    assert _seen(alice) == {"传化公路港", "入驻企业甲", "云集药业"}
    # 入驻企业甲 has no organisation of its own: it is reached through its platform, in sam's subtree.
    assert _seen(sam) == {"传化公路港", "入驻企业甲"}
    assert _seen(ian) == {"传化公路港", "入驻企业甲"}
    assert _seen(olga) == {"别处平台"}
    assert _seen(nobody) == set()
    for user, n in ((alice, 3), (sam, 2), (ian, 2), (olga, 1), (nobody, 0)):
        assert VisitProblem.objects.visible_to(user).count() == n
    assert VisitPhoto.objects.visible_to(ian).count() == 1
    assert VisitPhoto.objects.visible_to(sam).count() == 1
    assert VisitPhoto.objects.visible_to(alice).count() == 2


@pytest.mark.django_db
def test_an_instructor_sees_visits_to_their_enterprise_by_a_predecessor(visits, tree, ian, park):
    predecessor = make_user("pre", "instructor", park)
    from parties.models import Instructor

    old = Instructor.objects.create(park=park, name="前任指导员", user=predecessor)
    tree["e1"].instructor = old
    tree["e1"].save()
    earlier = make_visit(predecessor, tree["e1"], days_ago=40)
    tree["e1"].instructor = tree["ins1"]
    tree["e1"].save()
    assert Visit.objects.visible_to(ian).filter(pk=earlier.pk).exists()


@pytest.mark.django_db
def test_pages_answer_404_for_a_visit_outside_scope(client, visits, sam, ian, olga):
    other = visits["other"]
    photo = other.photos.get()
    for user in (sam, ian, olga):
        client.force_login(user)
        assert client.get(reverse("parties:visit_detail", kwargs={"pk": other.pk})).status_code == 404
        assert client.get(reverse("parties:visit_photo", kwargs={"pk": photo.pk})).status_code == 404
        assert client.get(reverse("parties:visit_photo_thumb", kwargs={"pk": photo.pk})).status_code == 404


@pytest.mark.django_db
def test_lists_show_only_what_the_user_may_see(client, visits, alice, sam, ian, olga):
    for user, shown, hidden in (
        (alice, ["传化公路港", "云集药业"], ["别处平台"]),
        (sam, ["传化公路港", "入驻企业甲"], ["云集药业", "别处平台"]),
        (ian, ["传化公路港"], ["云集药业"]),
        (olga, ["别处平台"], ["传化公路港"]),
    ):
        client.force_login(user)
        html = client.get(reverse("parties:visit_list")).content.decode()
        for name in shown:
            assert name in html, (user, name)
        for name in hidden:
            assert f">{name}<" not in html and f">{name} <" not in html, (user, name)


@pytest.mark.django_db
def test_my_enterprises_is_for_instructors_only(client, alice, sam, nobody, ian):
    url = reverse("parties:my_enterprises")
    for user in (alice, sam, nobody):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(ian)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_photo_is_served_as_a_jpeg_without_sniffing(client, visits, ian):
    photo = visits["own"].photos.get()
    client.force_login(ian)
    response = client.get(reverse("parties:visit_photo", kwargs={"pk": photo.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.django_db
def test_the_lists_resolved_scope_is_the_scope(visits, tree, park, alice, sam, ian, olga, nobody):
    """Visit.objects.for_list (the instructor's ids resolved first) keeps exactly the rows of visible_to."""
    from parties.models import Instructor

    # A visit ian logged at an enterprise that is no longer his, and one a predecessor logged at his.
    moved = make_visit(ian, tree["e1"], days_ago=3)
    Visit.objects.filter(pk=moved.pk).update(enterprise=tree["e2"])
    predecessor = make_user("pre", "instructor", park)
    old = Instructor.objects.create(park=park, name="前任指导员", user=predecessor)
    earlier = make_visit(ian, tree["e1"], days_ago=40)
    Visit.objects.filter(pk=earlier.pk).update(instructor=old)
    # ... and one at a secondary enterprise of his platform: his only through the platform.
    Visit.objects.filter(pk=visits["tenant"].pk).update(instructor=old)
    unlinked = make_user("unlinked", "instructor", park)
    retired = make_user("retired", "instructor", park, is_active=False)
    Instructor.objects.create(park=park, name="退休指导员", user=retired)
    Visit.objects.filter(pk=visits["other"].pk).update(instructor=Instructor.objects.get(user=retired))
    for user in (alice, sam, ian, olga, nobody, predecessor, unlinked, retired):
        expected = set(Visit.objects.visible_to(user).values_list("pk", flat=True))
        assert set(Visit.objects.for_list(user).values_list("pk", flat=True)) == expected, user.username
    assert {moved.pk, earlier.pk, visits["own"].pk, visits["tenant"].pk} <= set(
        Visit.objects.for_list(ian).values_list("pk", flat=True)
    )
    assert set(Visit.objects.for_list(predecessor).values_list("pk", flat=True)) == {earlier.pk, visits["tenant"].pk}
    assert not Visit.objects.for_list(retired).exists()
