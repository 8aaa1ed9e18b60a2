"""Demo and benchmark data for outreach events (seed 000 and 001: clinics, legal salons, theme days, …).

Demo: the seed's named events (the July 1 joint theme party day, the September health clinic at the drivers'
home with 8 medical staff, the legal salon with 6 lawyers and 38 enterprises, the back-to-school day) and
~40 events in all with ~1,000 registrations and outcomes. Large: 5,000 events and 250,000 registrations.
Registrants are the park's drivers; when drivers_home's seed has made none, this seed makes its own
(phones 1770…/1771…, never 1380000…, the drivers' home demo driver's range).
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from activities.models import Event, EventKind, FamilyMember, Outcome, Registration
from parkportal.models import User
from parkportal.roles import Role
from parties.models import Organisation

KINDS = [
    (
        "clinic",
        "健康义诊",
        False,
        [
            ("staff", "医护人员"),
            ("screened", "筛查人数"),
            ("bp", "血压检测"),
            ("sugar", "血糖检测"),
            ("spine", "颈腰椎检查"),
            ("referrals", "建议转诊"),
        ],
    ),
    (
        "legal",
        "法治进园区·法律沙龙",
        False,
        [("lawyers", "律师"), ("enterprises", "服务企业"), ("questions", "解答咨询")],
    ),
    ("school", "开学季·关爱行", True, [("children", "受关爱儿童"), ("gifts", "文具礼包"), ("volunteers", "志愿者")]),
    ("theme_day", "联合主题党日", False, [("organisations", "参与党组织"), ("members", "参与党员")]),
    ("lecture", "卡友大讲堂", False, [("listeners", "听众"), ("speakers", "主讲人")]),
    ("skills", "技能培训与竞赛", False, [("trainees", "参训人数"), ("certified", "取得证书"), ("winners", "获奖人数")]),
    ("culture", "文体活动", False, [("participants", "参与人数"), ("teams", "参赛队伍")]),
    ("talent", "人才服务", False, [("talents", "对接人才"), ("enterprises", "参与企业"), ("offers", "达成意向")]),
]
TITLES = {
    "clinic": ["健康义诊进司机之家", "卡友健康体检日", "中医理疗义诊"],
    "legal": ["法治进园区·法律沙龙", "劳动合同法律咨询会", "货运纠纷法律讲座"],
    "school": ["开学季·关爱行", "卡友子女暑期托管", "六一亲子活动"],
    "theme_day": ["联合主题党日", "重温入党誓词主题党日", "党员先锋车授旗仪式"],
    "lecture": ["卡友大讲堂·安全驾驶", "卡友大讲堂·货运新规", "卡友大讲堂·节油技巧"],
    "skills": ["叉车技能竞赛", "货车维修保养培训", "应急救护培训"],
    "culture": ["卡友篮球赛", "中秋游园会", "卡友拔河比赛"],
    "talent": ["人才政策宣讲会", "物流企业招聘会", "青年人才交流会"],
}
PARTNERS = {
    "clinic": "新都区卫生健康局、新都区人民医院",
    "legal": "新都区司法局、四川蓉城律师事务所",
    "school": "新都区妇联、团区委",
    "theme_day": "园区各两新党组织",
    "lecture": "新都区交通运输局",
    "skills": "新都区人力资源和社会保障局",
    "culture": "新都区文化广电旅游体育局",
    "talent": "新都区人才服务中心",
}
RELATIONS = [("女儿", True), ("儿子", True), ("妻子", False), ("丈夫", False)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇杰涛明超平刚华建国志斌宇浩凯鹏飞俊峰波辉")


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _kinds(park) -> dict[str, EventKind]:
    return {
        slug: EventKind.objects.create(
            park=park,
            slug=slug,
            name=name,
            asks_child_age=asks_age,
            figures=[{"key": k, "label": label} for k, label in figures],
            order=i,
        )
        for i, (slug, name, asks_age, figures) in enumerate(KINDS)
    }


def _drivers(park, n: int, *, prefix: str, rng: random.Random) -> list[User]:
    """The park's drivers; made here (bulk) when drivers_home's seed has not made enough."""
    existing = list(User.objects.filter(park=park, role=Role.DRIVER).exclude(phone=None).order_by("pk")[:n])
    missing = n - len(existing)
    if missing <= 0:
        return existing
    taken = set(User.objects.filter(phone__startswith=prefix).values_list("phone", flat=True))
    password = make_password(None)  # drivers sign in by SMS code
    new, i = [], 0
    while len(new) < missing:
        phone = f"{prefix}{i:07d}"
        i += 1
        if phone in taken:
            continue
        new.append(
            User(
                username=f"ev-{phone}",
                role=Role.DRIVER,
                park=park,
                phone=phone,
                phone_verified=True,
                display_name=_name(rng),
                password=password,
            )
        )
    User.objects.bulk_create(new, batch_size=5000)
    return existing + list(User.objects.filter(username__in=[u.username for u in new]).order_by("pk"))


def _organisers(park) -> tuple[list[Organisation], Organisation, Organisation]:
    orgs = list(Organisation.objects.filter(park=park).order_by("path"))
    root = orgs[0]
    secretary_org = Organisation.objects.filter(park=park, secretary_user__username="demo-secretary").first() or (
        orgs[1] if len(orgs) > 1 else root
    )
    return orgs, root, secretary_org


def _event_rows(park, kinds, orgs, root, secretary_org, rng, n: int, today: date) -> list[Event]:
    """The seed's named events first (demo), then `n` more spread over the past year and the next weeks."""
    year = today.year
    named = []
    huahua = Organisation.objects.filter(park=park, name__contains="传化").first() or secretary_org
    named_specs = [
        ("theme_day", "“七一”联合主题党日", root, date(year, 7, 1), 9, 200, "园区党群服务中心", False),
        ("clinic", "健康义诊进卡车司机之家", huahua, date(year, 9, 12), 9, 120, "传化公路港卡车司机之家", False),
        ("legal", "法治进园区·法律沙龙", secretary_org, date(year, 6, 18), 14, 80, "园区党群服务中心会议室", False),
        ("school", "开学季·关爱行", secretary_org, date(year, 8, 28), 9, 60, "传化公路港卡车司机之家", True),
    ]
    for slug, title, org, day, hour, cap, venue, family in named_specs:
        named.append(
            Event(
                park=park,
                kind=kinds[slug],
                title=title,
                organiser=org,
                partners=PARTNERS[slug],
                venue_text=venue,
                starts_at=_at(day, hour),
                ends_at=_at(day, hour + 3),
                audience="drivers" if slug != "theme_day" else "members",
                capacity=cap,
                allow_family=family,
                description=f"{title}。{PARTNERS[slug]}共同参与。",
                status="published",
            )
        )
    events = []
    slugs = list(kinds)
    for i in range(n):
        slug = slugs[i % len(slugs)]
        offset = rng.randint(-330, 40)
        day = today + timedelta(days=offset)
        hour = rng.choice((9, 10, 14, 15, 19))
        events.append(
            Event(
                park=park,
                kind=kinds[slug],
                title=rng.choice(TITLES[slug]),
                organiser=rng.choice(orgs) if rng.random() < 0.6 else secretary_org,
                partners=PARTNERS[slug],
                venue_text=rng.choice(
                    ["传化公路港卡车司机之家", "园区党群服务中心", "宝湾物流园活动室", "户外劳动者驿站"]
                ),
                starts_at=_at(day, hour),
                ends_at=_at(day, hour + 2),
                audience=rng.choice(["drivers", "drivers", "staff", "members", "everyone"]),
                capacity=rng.choice([None, 30, 40, 50, 60, 80]),
                allow_family=slug in ("school", "culture"),
                status="cancelled" if rng.random() < 0.03 else ("draft" if offset > 30 else "published"),
            )
        )
    return named + events


def seed(*, park, size: str, out) -> None:
    rng = random.Random(2026)
    large = size == "large"
    today = timezone.localdate()
    now = timezone.now()
    kinds = _kinds(park)
    orgs, root, secretary_org = _organisers(park)
    n_events = 5000 if large else 40
    per_event = 50 if large else 25
    people = _drivers(park, 20_000 if large else 200, prefix="1771" if large else "1770", rng=rng)

    site = None
    try:
        from drivers_home.models import Site

        site = Site.objects.filter(park=park, kind="drivers_home").order_by("pk").first()
    except Exception:  # drivers_home not migrated: free-text venues only
        site = None
    rows = _event_rows(park, kinds, orgs, root, secretary_org, rng, n_events - 4, today)
    for event in rows:
        if site is not None and "司机之家" in event.venue_text:
            event.site, event.venue_text = site, ""
    events = Event.objects.bulk_create(rows, batch_size=2000)

    registrations: list[Registration] = []
    family_for: list[tuple[int, list[tuple[str, str, int | None]]]] = []
    open_events = [e for e in events if e.status != "draft"]
    if large:  # 250,000 registrations over the events that took registrations
        per_event = -(-250_000 // len(open_events))
    for event in open_events:
        past = event.starts_at < now
        wanted = per_event if large or event.capacity is None else min(per_event, event.capacity + 6)
        if event.title == "健康义诊进卡车司机之家":
            wanted = 110
        chosen = rng.sample(people, min(wanted, len(people)))
        held = 0
        position = 0
        for person in chosen:
            fam = []
            if event.allow_family and rng.random() < 0.4:
                relation, child = rng.choice(RELATIONS)
                fam = [(_name(rng), relation, rng.randint(5, 14) if child else None)]
            places = 1 + len(fam)
            created = event.starts_at - timedelta(days=rng.randint(1, 14), minutes=rng.randint(0, 600))
            reg = Registration(
                event=event,
                user=person,
                name=person.display_name or person.username,
                phone=person.phone or "",
                places=places,
                created=created,
                ticket_code=secrets.token_urlsafe(9),
            )
            fits = event.capacity is None or held + places <= event.capacity
            if rng.random() < 0.05:
                reg.status, reg.cancelled_at = "cancelled", created + timedelta(hours=5)
            elif not fits:
                position += 1
                reg.status, reg.position = "waiting", position
            else:
                held += places
                reg.confirmed_at = created
                if past and event.status == "published" and rng.random() < 0.85:
                    reg.status = "attended"
                    reg.checked_in_at = event.starts_at + timedelta(minutes=rng.randint(-20, 40))
                else:
                    reg.status = "confirmed"
            registrations.append(reg)
            if fam:
                family_for.append((len(registrations) - 1, fam))
    Registration.objects.bulk_create(registrations, batch_size=5000)
    FamilyMember.objects.bulk_create(
        [
            FamilyMember(registration=registrations[i], name=n, relation=r, age=a)
            for i, fam in family_for
            for n, r, a in fam
        ],
        batch_size=5000,
    )
    # Walk-ins at the door of the September clinic.
    clinic = next(e for e in events if e.title == "健康义诊进卡车司机之家")
    if clinic.starts_at < now:
        Registration.objects.bulk_create(
            [
                Registration(
                    event=clinic,
                    name=_name(rng),
                    walk_in=True,
                    status="attended",
                    created=clinic.starts_at,
                    confirmed_at=clinic.starts_at,
                    checked_in_at=clinic.starts_at + timedelta(minutes=10 * i),
                )
                for i in range(8)
            ]
        )

    # Outcomes of the events held, per their kind's figures; counts only, no health readings.
    attended = {}
    for reg in registrations:
        if reg.status == "attended":
            attended[reg.event_id] = attended.get(reg.event_id, 0) + reg.places
    named_figures = {
        "“七一”联合主题党日": {"organisations": 32, "members": 186},
        "健康义诊进卡车司机之家": {"staff": 8, "screened": 126, "bp": 118, "sugar": 97, "spine": 64, "referrals": 5},
        "法治进园区·法律沙龙": {"lawyers": 6, "enterprises": 38, "questions": 74},
        "开学季·关爱行": {"children": 45, "gifts": 60, "volunteers": 12},
    }
    outcomes = []
    for event in events:
        if event.status != "published" or event.ends_at > now:
            continue
        served = attended.get(event.pk, 0)
        figures = named_figures.get(event.title) or {
            key: rng.randint(1, max(served, 2)) for key, _label in event.kind.figure_list()
        }
        outcomes.append(
            Outcome(
                event=event,
                figures=figures,
                people_served=max(served, figures.get("screened", 0)),
                report=f"{event.title}顺利举行，{PARTNERS[event.kind.slug]}参与。",
            )
        )
    Outcome.objects.bulk_create(outcomes, batch_size=2000)

    # The drivers' home demo driver (if that seed made one) is registered for an upcoming clinic.
    demo_driver = User.objects.filter(phone="13800000000", role=Role.DRIVER).first()
    upcoming = next((e for e in events if e.status == "published" and e.starts_at > now), None)
    if demo_driver is not None and upcoming is not None and not large:
        from activities.services import RegistrationError, registration_create

        try:
            registration_create(event=upcoming, user=demo_driver)
        except RegistrationError:
            pass
    out.write(
        f"  activities: {len(events)} events, {len(registrations)} registrations, {len(outcomes)} outcomes, "
        f"{len(kinds)} kinds"
    )
