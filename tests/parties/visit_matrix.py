"""The visit log's URLs for the role matrix and query budgets (format: tests/matrix.py), and shared helpers.

World: the instructor persona answers for 传化公路港 (tree["e1"], under 综合党委一, the secretary's subtree);
`visit` is a visit there with one problem and one photo; `other_visit` is at 云集药业 (tree["e2"], another
instructor, outside the secretary's subtree).
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parkportal.uploads import clean_image
from parties.models import Instructor, Visit, VisitKind, VisitProblem
from parties.visit_services import visit_create
from tests.matrix import Case, Foreign


def jpeg_bytes(width: int = 640, height: int = 480, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


def jpeg_upload(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def make_visit(user, enterprise, *, days_ago: int = 0, problems=(), photos: int = 0, kind=VisitKind.POLICY) -> Visit:
    """Log a visit through the service, as `user` (an instructor) would."""
    return visit_create(
        user=user,
        enterprise=enterprise,
        date=timezone.localdate() - timedelta(days=days_ago),
        kind=kind,
        people_met="王经理",
        summary="讲解了三会一课的基本要求。",
        problems=list(problems),
        photos=[clean_image(jpeg_upload(f"p{i}.jpg")) for i in range(photos)],
    )


def link_instructor(user, instructor: Instructor) -> None:
    instructor.user = user
    instructor.save(update_fields=["user"])


def build(world: dict) -> None:
    tree, users = world["tree"], world["users"]
    link_instructor(users["instructor"], tree["ins1"])
    tree["g1"].secretary_user = users["secretary"]
    tree["g1"].save()
    world["visit"] = make_visit(
        users["instructor"],
        tree["e1"],
        days_ago=1,
        problems=[{"description": "支部活动场地不足", "state": "open", "owner": "企业行政部"}],
        photos=1,
    )
    world["problem"] = world["visit"].problems.get()
    world["photo"] = world["visit"].photos.get()
    from parkportal.models import User

    other = User.objects.create_user(username="other-instructor", role="instructor", park=world["park"])
    link_instructor(other, tree["ins2"])
    world["other_visit"] = make_visit(other, tree["e2"], days_ago=3)


def grow(world: dict, n: int) -> None:
    tree, users = world["tree"], world["users"]
    visits = [
        Visit(
            park=world["park"],
            enterprise=tree["e1"],
            instructor=tree["ins1"],
            author=users["instructor"],
            date=timezone.localdate() - timedelta(days=i % 300),
            kind=VisitKind.POLICY,
            people_met="李书记",
            summary="走访",
        )
        for i in range(n)
    ]
    Visit.objects.bulk_create(visits)
    VisitProblem.objects.bulk_create(
        VisitProblem(visit=v, description="问题", opened_on=v.date, owner="某人") for v in visits
    )


READERS = {"anonymous": 302, "instructor": 200, "secretary": 200, "park_admin": 200, "default": 403}
OFFICE = {"anonymous": 302, "secretary": 200, "park_admin": 200, "default": 403}

CASES = {
    "parties:my_enterprises": Case(
        expect={"anonymous": 302, "instructor": 200, "default": 403},
        budget=("instructor", 2),  # session with user, enterprises with Max(visit date)
    ),
    "parties:visit_list": Case(
        expect=READERS,
        # The session with its user, the generation of the filter's choices; when the filter's fields are not kept
        # for it (as counted here): instructors (filter), committees; then count, page rows for the page's ids (one
        # statement). An instructor: the session with its user, the generation of his list's tables (then, if not
        # kept: the generation of his scope, his scope, count with rows).
        budget=("park_admin", 6),
    ),
    # The session with its user, the instructor, his enterprises (the form's choices).
    "parties:visit_new": Case(expect={"anonymous": 302, "instructor": 200, "default": 403}, budget=("instructor", 3)),
    "parties:visit_detail": Case(
        expect=READERS,
        kwargs=lambda w: {"pk": w["visit"].pk},
        # The session with its user, visit (+enterprise, platform, instructor), problems, photos, history
        budget=("park_admin", 5),
    ),
    "parties:visit_edit": Case(
        expect={"anonymous": 302, "instructor": 200, "park_admin": 200, "default": 403},
        kwargs=lambda w: {"pk": w["visit"].pk},
        # The session with its user, visit, its photos, its problems, the instructor's enterprises (choices).
        budget=("instructor", 5),
    ),
    # The session with its user, photo (scoped through its visit).
    "parties:visit_photo": Case(expect=READERS, kwargs=lambda w: {"pk": w["photo"].pk}, budget=("instructor", 2)),
    "parties:visit_photo_thumb": Case(expect=READERS, kwargs=lambda w: {"pk": w["photo"].pk}, budget=("instructor", 2)),
    "parties:visit_problems": Case(expect=OFFICE, budget=("park_admin", 3)),  # session with user, count, page
    "parties:visit_problem_handover": Case(
        # The world's problem is not a labour dispute: nothing to hand over, so 404 for those who see it.
        expect={"anonymous": 302, "instructor": 404, "secretary": 404, "park_admin": 404, "default": 403},
        kwargs=lambda w: {"pk": w["problem"].pk},
        method="post",
        data=lambda w: {},
    ),
    "parties:visit_problem_follow_up": Case(
        # An empty form is refused with a message and a redirect back to the visit: nothing changes.
        expect={"anonymous": 302, "instructor": 302, "secretary": 302, "park_admin": 302, "default": 403},
        kwargs=lambda w: {"pk": w["problem"].pk},
        method="post",
        data=lambda w: {},
        budget=("instructor", 2),  # the session with its user, problem
    ),
    "parties:visit_report": Case(
        expect=OFFICE, budget=("park_admin", 2)
    ),  # session with user, instructors with 4 count subqueries
}


# Objects of another scope, answering 404 (run by tests/test_url_matrix.py).
FOREIGN = {
    "another instructor's visit": Foreign("instructor", "parties:visit_detail", lambda w: {"pk": w["other_visit"].pk}),
    "another instructor's visit (edit)": Foreign(
        "instructor", "parties:visit_edit", lambda w: {"pk": w["other_visit"].pk}
    ),
    "a visit outside the secretary's subtree": Foreign(
        "secretary", "parties:visit_detail", lambda w: {"pk": w["other_visit"].pk}
    ),
}
