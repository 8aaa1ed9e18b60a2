"""Demo and benchmark data for the party organisation (seed 000: the Xindu park's four tiers)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from parkportal.models import User
from parkportal.roles import Role
from parties.models import (
    Category,
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    Instructor,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    VanguardPost,
)
from parties.rules import add_months

NAMED_PLATFORMS = [
    ("海宁皮革城", "专业市场类"),
    ("广汇申蓉汽车园", "专业市场类"),
    ("贵达茶都", "专业市场类"),
    ("传化公路港", "物流运输类"),
    ("东皓物流", "物流运输类"),
    ("云集药业", "物流仓储类"),
    ("宝湾物流", "物流仓储类"),
    ("中国物流", "物流仓储类"),
]
CATEGORIES = ["专业市场类", "物流运输类", "物流仓储类"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红斌宇浩凯鹏飞俊峰波辉"
PROVINCES_ORGS = ["湖南省长沙市", "四川省南充市", "重庆市万州区", "贵州省遵义市", "河南省周口市", "陕西省汉中市"]
DEMO_PASSWORD = "demo-park-2026"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def demo_user(username: str, role: str, park, name: str, phone: str | None = None) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "park": park,
            "display_name": name,
            "phone": phone,
            "phone_verified": bool(phone),
            "password": make_password(DEMO_PASSWORD),
        },
    )
    return user


def seed(*, park, size: str, out) -> None:
    rng = random.Random(2020)
    large = size == "large"
    today = timezone.localdate()
    categories = {name: Category.objects.create(park=park, name=name) for name in CATEGORIES}

    root = Organisation.objects.create(
        park=park,
        name=f"{park.name}党工委",
        tier_name="园区党工委",
        kind=OrganisationKind.COMMITTEE,
        founded=date(2017, 6, 1),
        has_committee=True,
        term_years=5,
        term_start=date(2022, 6, 1),
        term_end=date(2027, 6, 1),
        secretary_name="张谨",
    )
    general = []
    general_term_ends = [today + timedelta(days=20), add_months(today, 4), add_months(today, 26)]
    for i, cat in enumerate(CATEGORIES):
        general.append(
            Organisation.objects.create(
                park=park,
                parent=root,
                name=f"{cat[:-1]}综合党委",
                tier_name="综合党委",
                kind=OrganisationKind.COMMITTEE,
                category=categories[cat],
                founded=date(2018, 3, 1),
                has_committee=True,
                term_years=5,
                # Relative to today, so the reminders page always has terms ending within 1 and 6 months.
                term_start=add_months(general_term_ends[i], -60),
                term_end=general_term_ends[i],
                secretary_name=person_name(rng),
                last_activity=today - timedelta(days=rng.randint(1, 20)),
            )
        )
    communities = []
    n_communities = 6 if not large else 24
    for i in range(n_communities):
        parent = general[i % len(general)]
        communities.append(
            Organisation.objects.create(
                park=park,
                parent=parent,
                name=f"第{i + 1}产业社区综合党委",
                tier_name="产业社区综合党委",
                kind=OrganisationKind.COMMITTEE,
                category=parent.category,
                founded=date(2019, 1, 1),
                has_committee=True,
                term_years=5,
                term_start=date(2024, 1, 1),
                term_end=date(2029, 1, 1),
                secretary_name=person_name(rng),
                last_activity=today - timedelta(days=rng.randint(1, 40)),
            )
        )

    # 49 platform enterprises, each hosting a party organisation (两新党组织) under a community committee.
    platform_names = list(NAMED_PLATFORMS)
    n_extra_orgs = 0 if not large else 400 - 49 - 1 - len(general) - n_communities
    i = 0
    while len(platform_names) < 49:
        i += 1
        cat = CATEGORIES[i % 3]
        platform_names.append(
            (f"{'蓉新川港锦天'[i % 6]}{'达通运汇顺丰安'[i % 7]}{['商贸', '物流', '仓储'][i % 3]}{i:02d}", cat)
        )
    instructors = []
    for n in range(53):
        instructors.append(
            Instructor(
                park=park,
                name=person_name(rng),
                phone=f"139{n:08d}",
                kind=Instructor.Kind.FULL_TIME if n < 4 else Instructor.Kind.PART_TIME,
            )
        )
    Instructor.objects.bulk_create(instructors)
    instructors = list(Instructor.objects.filter(park=park).order_by("pk"))

    platforms = []
    platform_orgs = []
    for n, (name, cat) in enumerate(platform_names):
        community = [c for c in communities if c.category_id == categories[cat].pk][n % (n_communities // 3)]
        members = rng.randint(8, 60)
        kind = OrganisationKind.BRANCH if members < 50 else OrganisationKind.GENERAL_BRANCH
        platform_term_end = add_months(today, 36 - (n % 40)) if n % 7 else add_months(today, -(n % 3) - 1)
        org = Organisation.objects.create(
            park=park,
            parent=community,
            name=f"{name}党{'支部' if kind == OrganisationKind.BRANCH else '总支'}",
            tier_name="两新党组织",
            kind=kind,
            category=categories[cat],
            founded=date(2018 + n % 5, 1 + n % 12, 1),
            has_committee=members >= 7 and n % 9 != 0,
            term_years=3,
            # Most terms run on; every seventh ended a little while ago (换届 overdue), a few end soon.
            term_start=add_months(platform_term_end, -36),
            term_end=platform_term_end,
            secretary_name=person_name(rng),
            last_activity=today - timedelta(days=rng.randint(0, 50)),
        )
        platform_orgs.append(org)
        platforms.append(
            Enterprise(
                park=park,
                name=name,
                kind=EnterpriseKind.PLATFORM,
                category=categories[cat],
                staff_count=rng.randint(80, 2000),
                member_count=members,
                coverage=CoverageStatus.OWN,
                organisation=org,
                instructor=instructors[n + 4],
            )
        )
    Enterprise.objects.bulk_create(platforms)
    platforms = list(Enterprise.objects.filter(park=park, kind=EnterpriseKind.PLATFORM).order_by("pk"))
    # The four full-time instructors each also look after a few platforms' joint work.
    for n, platform in enumerate(platforms[:8]):
        if n % 2:
            platform.instructor = instructors[n // 2]
    Enterprise.objects.bulk_update(platforms[:8], ["instructor"])

    extra_orgs = []
    for n in range(n_extra_orgs):
        extra_orgs.append(
            Organisation(
                park=park,
                parent=platform_orgs[n % len(platform_orgs)],
                name=f"第{n + 1}联合党支部",
                tier_name="两新党组织",
                kind=OrganisationKind.JOINT_BRANCH,
                term_years=3,
                term_start=date(2024, 5, 1),
                term_end=date(2027, 5, 1),
                secretary_name=person_name(rng),
                last_activity=today - timedelta(days=rng.randint(0, 60)),
            )
        )
    for org in extra_orgs:
        org.save()  # save() computes the materialised path

    n_secondary = 300 if not large else 3500
    secondary = []
    for n in range(n_secondary):
        platform = platforms[n % len(platforms)]
        members = rng.choice([0, 0, 0, 1, 2, 3, 4, 6])
        if members >= 3:
            coverage = CoverageStatus.JOINT if n % 11 else CoverageStatus.NONE
        else:
            coverage = (
                CoverageStatus.INSTRUCTOR if members else rng.choice([CoverageStatus.INSTRUCTOR, CoverageStatus.NONE])
            )
        secondary.append(
            Enterprise(
                park=park,
                name=f"{platform.name[:4]}入驻企业{n + 1:04d}",
                kind=EnterpriseKind.SECONDARY,
                platform=platform,
                category=platform.category if hasattr(platform, "category") else None,
                category_id=platform.category_id,
                staff_count=rng.randint(3, 120),
                member_count=members,
                coverage=coverage,
                organisation_id=platform.organisation_id if coverage == CoverageStatus.JOINT else None,
                no_coverage_reason="党员人数不足，已派指导员" if coverage == CoverageStatus.NONE else "",
                coverage_planned=today + timedelta(days=90) if coverage == CoverageStatus.NONE else None,
            )
        )
    Enterprise.objects.bulk_create(secondary, batch_size=2000)

    # Less one each: seed 000's 老秦, added below, is a floating member too.
    n_members = (1000 if not large else 20000) - 1
    n_floating = (120 if not large else 3000) - 1
    member_orgs = platform_orgs + extra_orgs
    platform_of_org = {p.organisation_id: p.pk for p in platforms}
    members = []
    for n in range(n_members):
        floating = n < n_floating
        org = member_orgs[n % len(member_orgs)]
        admitted = today - timedelta(days=rng.randint(200, 30 * 365))
        members.append(
            Member(
                park=park,
                organisation=org,
                enterprise_id=platform_of_org.get(org.pk),
                name=person_name(rng),
                phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
                status=MemberStatus.PROBATIONARY if n % 25 == 0 else MemberStatus.FULL,
                admitted=today - timedelta(days=rng.randint(30, 330)) if n % 25 == 0 else admitted,
                is_floating=floating,
                home_organisation=rng.choice(PROVINCES_ORGS) + "某党支部" if floating else "",
                floating_certificate=f"LD{2020 + n % 6}{n:06d}" if floating else "",
                last_activity=today - timedelta(days=rng.choice([3, 10, 25, 40, 70, 100, 160, 200])),
            )
        )
    # Seed 000's 老秦: a truck driver and floating member, found at the drivers' home in 传化公路港.
    chuanhua = next(p for p in platforms if p.name == "传化公路港")
    members.append(
        Member(
            park=park,
            organisation_id=chuanhua.organisation_id,
            enterprise=chuanhua,
            name="秦师傅（卡车司机）",
            status=MemberStatus.FULL,
            admitted=date(2006, 7, 1),
            is_floating=True,
            home_organisation="四川省南充市某村党支部",
            floating_certificate="LD2019000001",
            last_activity=today - timedelta(days=12),
        )
    )
    Member.objects.bulk_create(members, batch_size=2000)

    some_members = list(Member.objects.filter(park=park, is_floating=False).order_by("pk")[:12])
    # Seed 000: vanguard vehicles among 云集药业's delivery trucks.
    yunji_org = next(p.organisation_id for p in platforms if p.name == "云集药业")
    some_members += list(
        Member.objects.filter(park=park, organisation_id=yunji_org, is_floating=False).order_by("pk")[:3]
    )
    posts = []
    for n, member in enumerate(some_members):
        kind = [VanguardPost.Kind.POST, VanguardPost.Kind.ZONE, VanguardPost.Kind.VEHICLE][n % 3]
        if member.organisation_id == yunji_org:
            kind = VanguardPost.Kind.VEHICLE
        label = {"post": "安全生产先锋岗", "zone": "党员责任区", "vehicle": "党员先锋车"}[kind]
        posts.append(
            VanguardPost(
                park=park,
                organisation_id=member.organisation_id,
                member=member,
                kind=kind,
                name=f"{label}{n + 1}号",
                description="",
            )
        )
    VanguardPost.objects.bulk_create(posts)

    if not large:
        admin = demo_user("demo-admin", Role.PARK_ADMIN, park, "园区管理员")
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
        secretary = demo_user("demo-secretary", Role.SECRETARY, park, "物流运输综合党委书记")
        general[1].secretary_user = secretary
        general[1].save(update_fields=["secretary_user"])
        instructor_user = demo_user("demo-instructor", Role.INSTRUCTOR, park, instructors[9].name, phone="13900000009")
        yunji = Enterprise.objects.get(park=park, name="云集药业")
        instructor = yunji.instructor
        instructor.user = instructor_user
        instructor.save(update_fields=["user"])
    out.write(
        f"  parties: {Organisation.objects.filter(park=park).count()} organisations, "
        f"{Enterprise.objects.filter(park=park).count()} enterprises, {len(members)} members"
    )
