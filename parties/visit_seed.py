"""Demo and benchmark data for the visit log: a realistic year of instructors' visits.

Demo: about 450 visits over the past year (diligent and less diligent instructors, so some platform
enterprises are overdue), problems at a third of them with their follow-up, a few photos drawn with Pillow,
and two edited visits with their history. Large: 30,000 visits and their problems by bulk_create, no photos.
Runs after parties.seed (it needs the enterprises and instructors).
"""

from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from parkportal.uploads import clean_image
from parties.models import (
    Enterprise,
    Instructor,
    ProblemState,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitProblem,
    VisitRevision,
)

PEOPLE = ["总经理", "行政经理", "人事主管", "支部书记", "工会主席", "车队长", "党员代表", "安全主管"]
SUMMARIES = {
    VisitKind.ORGANISATIONAL_LIFE: [
        "指导支部召开主题党日，检查三会一课记录。",
        "现场讲解组织生活会流程，帮助拟定会议议程。",
        "帮助支部完善党员活动室台账。",
    ],
    VisitKind.POLICY: [
        "宣讲稳岗就业补贴政策，解答企业疑问。",
        "讲解货车司机权益保障新规。",
        "传达园区党工委季度工作要求。",
    ],
    VisitKind.PROBLEM_SOLVING: [
        "协调解决党员活动场地问题。",
        "帮助企业对接园区司机之家服务。",
    ],
    VisitKind.DISPUTE_WARNING: [
        "了解车队工资发放情况，排查欠薪隐患。",
        "走访司机休息区，听取司机诉求。",
    ],
    VisitKind.MEMBER_DEVELOPMENT: [
        "与入党积极分子谈心谈话。",
        "指导做好流动党员登记与管理。",
    ],
    VisitKind.OTHER: ["节前慰问一线员工。", "了解企业经营情况。"],
}
KIND_WEIGHTS = [
    (VisitKind.ORGANISATIONAL_LIFE, 30),
    (VisitKind.POLICY, 25),
    (VisitKind.PROBLEM_SOLVING, 15),
    (VisitKind.DISPUTE_WARNING, 10),
    (VisitKind.MEMBER_DEVELOPMENT, 12),
    (VisitKind.OTHER, 8),
]
PROBLEMS = [
    ("党员活动场地不足", False),
    ("三会一课记录不全", False),
    ("流动党员组织关系未转入", False),
    ("入党积极分子培养联系人未落实", False),
    ("司机反映运费结算拖欠", True),
    ("仓储员工加班费争议", True),
    ("劳务派遣人员社保缴纳纠纷", True),
]
OWNERS = ["企业行政部", "支部书记", "人事部", "园区工会", "指导员本人", "车队长"]


def _kind(rng: random.Random) -> str:
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
    return rng.choices(kinds, weights=weights)[0]


def _logged_at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(17, 30)))


def _photo(rng: random.Random, label: int):
    """A made-up site photo: a sky, a warehouse and a red banner, re-encoded like any upload."""
    image = Image.new("RGB", (1200, 900), (150 + rng.randint(0, 60), 190, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 380, 1100, 860), fill=(170, 170, 175))
    draw.rectangle((300, 420, 900, 480), fill=(200, 16, 46))
    for x in range(150, 1100, 180):
        draw.rectangle((x, 600, x + 120, 860), fill=(90, 90, 100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return clean_image(SimpleUploadedFile(f"visit-{label}.jpg", out.getvalue(), content_type="image/jpeg"))


def seed(*, park, size: str, out) -> None:
    rng = random.Random(2021)
    large = size == "large"
    today = timezone.localdate()
    instructors = {i.pk: i for i in Instructor.objects.filter(park=park)}
    platforms = list(Enterprise.objects.filter(park=park, kind="platform").order_by("pk"))
    secondaries: dict[int, list[int]] = {}
    for pk, platform_id in Enterprise.objects.filter(park=park, kind="secondary").values_list("pk", "platform_id"):
        secondaries.setdefault(platform_id, []).append(pk)
    if not platforms or not instructors:
        out.write("  visits: no enterprises or instructors, nothing to do")
        return

    visits: list[Visit] = []
    if large:
        target = 30_000
        while len(visits) < target:
            platform = platforms[len(visits) % len(platforms)]
            enterprise_id = platform.pk
            if secondaries.get(platform.pk) and rng.random() < 0.3:
                enterprise_id = rng.choice(secondaries[platform.pk])
            day = today - timedelta(days=rng.randint(0, 3 * 365))
            visits.append(_visit(park, enterprise_id, platform, instructors, day, rng))
    else:
        for n, platform in enumerate(platforms):
            if platform.instructor_id is None:
                continue
            # Every few instructors is less diligent: their enterprise is overdue today.
            gap_low, gap_high = (20, 40) if n % 5 else (35, 70)
            day = today - timedelta(days=rng.randint(0, 12) if n % 5 else rng.randint(32, 60))
            while day > today - timedelta(days=365):
                enterprise_id = platform.pk
                if secondaries.get(platform.pk) and rng.random() < 0.25:
                    enterprise_id = rng.choice(secondaries[platform.pk])
                visits.append(_visit(park, enterprise_id, platform, instructors, day, rng))
                day -= timedelta(days=rng.randint(gap_low, gap_high))
    Visit.objects.bulk_create(visits, batch_size=2000)
    visits = list(Visit.objects.filter(park=park).order_by("pk"))

    problems: list[VisitProblem] = []
    for visit in visits:
        chance = 0.45 if visit.kind in (VisitKind.DISPUTE_WARNING, VisitKind.PROBLEM_SOLVING) else 0.2
        if rng.random() >= chance:
            continue
        description, dispute = rng.choice(PROBLEMS)
        age = (today - visit.date).days
        if age > 60:
            state = ProblemState.SOLVED if rng.random() < 0.9 else ProblemState.IN_HAND
        elif age > 14:
            state = rng.choice([ProblemState.SOLVED, ProblemState.IN_HAND, ProblemState.OPEN])
        else:
            state = rng.choice([ProblemState.OPEN, ProblemState.OPEN, ProblemState.IN_HAND])
        problems.append(
            VisitProblem(
                visit=visit,
                description=description,
                is_labour_dispute=dispute,
                state=state,
                owner=rng.choice(OWNERS),
                opened_on=visit.date,
                solved_on=min(today, visit.date + timedelta(days=rng.randint(1, 40)))
                if state == ProblemState.SOLVED
                else None,
            )
        )
    VisitProblem.objects.bulk_create(problems, batch_size=2000)

    n_photos = 0
    if not large:
        # A few recent visits carry photos (drawn in memory, re-encoded like any upload).
        recent = [v for v in visits if (today - v.date).days <= 45][:8]
        for i, visit in enumerate(recent):
            for _ in range(1 + i % 2):
                photo = _photo(rng, n_photos)
                row = VisitPhoto(visit=visit, width=photo.width, height=photo.height)
                row.image.save(photo.image.name, photo.image, save=False)
                row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
                row.save()
                n_photos += 1
        # The demo instructor logged a visit three days ago (still editable) at one of the platform's tenants,
        # and found a labour dispute there; their platform enterprise itself is overdue.
        demo = Instructor.objects.filter(park=park, user__username="demo-instructor").first()
        tenant_ids = secondaries.get(
            Enterprise.objects.filter(park=park, instructor=demo, kind="platform").values_list("pk", flat=True).first()
        )
        if demo and tenant_ids:
            day = today - timedelta(days=3)
            visit = Visit.objects.create(
                park=park,
                enterprise_id=tenant_ids[0],
                instructor=demo,
                author_id=demo.user_id,
                date=day,
                kind=VisitKind.DISPUTE_WARNING,
                people_met="车队长、两名司机",
                summary="听取司机关于运费结算的诉求，约定一周内再访。",
                created_at=_logged_at(day),
            )
            VisitProblem.objects.create(
                visit=visit,
                description="司机反映运费结算拖欠两个月",
                is_labour_dispute=True,
                owner="车队长",
                opened_on=day,
            )
            visits.append(visit)
            problems.append(visit.problems.get())
        # Two visits were corrected after they were logged.
        for visit in recent[:2]:
            old = visit.people_met
            visit.people_met = f"{old}、工会主席"
            visit.save(update_fields=["people_met", "updated_at"])
            VisitRevision.objects.create(
                visit=visit,
                user=visit.author,
                changes=[{"field": "people_met", "old": old, "new": visit.people_met}],
            )
    out.write(f"  visits: {len(visits)} visits, {len(problems)} problems, {n_photos} photos")


def _visit(park, enterprise_id: int, platform, instructors: dict, day, rng: random.Random) -> Visit:
    instructor = instructors[platform.instructor_id] if platform.instructor_id else next(iter(instructors.values()))
    kind = _kind(rng)
    return Visit(
        park=park,
        enterprise_id=enterprise_id,
        instructor=instructor,
        author_id=instructor.user_id,
        date=day,
        kind=kind,
        people_met="、".join(rng.sample(PEOPLE, rng.randint(1, 3))),
        summary=rng.choice(SUMMARIES[kind]),
        created_at=_logged_at(day),
    )
