"""Demo data for mediation: the park's rooms, the enterprises' committees, mediators and a year of cases.

`size="demo"`: ~50 realistic cases across every state; `size="large"`: 3,000 cases, all through bulk_create.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from mediation.models import (
    Agreement,
    Applicant,
    BodyKind,
    Case,
    CaseEvent,
    DisputeType,
    EventKind,
    Instalment,
    Intake,
    MediationBody,
    Outcome,
    Session,
    Source,
    Status,
)
from parkportal.roles import Role
from parties.models import Enterprise

ROOMS = [
    ("商友之家", "园区商会服务中心一楼"),
    ("书记帮帮团", "园区党群服务中心二楼"),
    ("传化公路港 红色老娘舅", "传化公路港司机之家旁"),
]
MATTERS = {
    DisputeType.WAGES: ["拖欠三个月工资", "加班费未结算", "年终绩效工资被扣发", "离职后工资未结清"],
    DisputeType.SOCIAL_INSURANCE: ["未缴纳社会保险", "社保断缴两个月", "未足额缴纳住房公积金"],
    DisputeType.WORK_INJURY: ["装卸作业受伤医疗费", "叉车事故工伤赔偿", "停工留薪期工资争议"],
    DisputeType.DISMISSAL: ["违法解除劳动合同赔偿金", "未签书面劳动合同二倍工资", "经济补偿金争议"],
    DisputeType.COMMERCIAL: ["商户之间货款纠纷", "仓库租赁押金纠纷", "运费结算纠纷"],
    DisputeType.OTHER: ["工作调岗争议", "劳动合同续签争议"],
}
AMOUNTS = {
    DisputeType.WAGES: (3000, 40000),
    DisputeType.SOCIAL_INSURANCE: (2000, 20000),
    DisputeType.WORK_INJURY: (20000, 160000),
    DisputeType.DISMISSAL: (8000, 60000),
    DisputeType.COMMERCIAL: (5000, 200000),
    DisputeType.OTHER: (0, 10000),
}
TYPE_WEIGHTS = [
    (DisputeType.WAGES, 40),
    (DisputeType.SOCIAL_INSURANCE, 15),
    (DisputeType.WORK_INJURY, 15),
    (DisputeType.DISMISSAL, 12),
    (DisputeType.COMMERCIAL, 12),
    (DisputeType.OTHER, 6),
]


def seed(*, park, size: str, out) -> None:
    from parties.seed import demo_user, person_name

    rng = random.Random(2026)
    large = size == "large"
    today = timezone.localdate()
    enterprises = list(Enterprise.objects.filter(park=park).order_by("pk"))

    MediationBody.objects.bulk_create(
        [MediationBody(park=park, name=name, kind=BodyKind.ROOM, address=address) for name, address in ROOMS]
    )
    # "95% of the Xindu park's enterprises have a labour-dispute mediation committee" (seed 001).
    with_committee = [e for e in enterprises if rng.random() < 0.95]
    MediationBody.objects.bulk_create(
        [
            MediationBody(park=park, name=f"{e.name}劳动争议调解委员会"[:120], kind=BodyKind.COMMITTEE, enterprise=e)
            for e in with_committee
        ],
        batch_size=2000,
    )
    rooms = list(MediationBody.objects.filter(park=park, kind=BodyKind.ROOM).order_by("pk"))
    committees = list(MediationBody.objects.filter(park=park, kind=BodyKind.COMMITTEE).order_by("pk")[:6])

    mediator = demo_user("demo-mediator", Role.MEDIATOR, park, "李调解")
    other = demo_user("demo-mediator-2", Role.MEDIATOR, park, "王老娘舅")
    if large:
        mediator = other = None
    else:
        rooms[0].mediators.add(mediator)
        rooms[1].mediators.add(mediator)
        rooms[2].mediators.add(other)
        for body in committees[:2]:
            body.mediators.add(other)

    n = 3000 if large else 50
    bodies = rooms * 3 + committees  # most cases go to the park's rooms
    types = [t for t, w in TYPE_WEIGHTS for _ in range(w)]
    days = settings.PORTAL_RULES["MEDIATION_DAYS"]
    tz = timezone.get_current_timezone()

    plans = []
    for i in range(n):
        # A quarter of the cases are from the last few weeks, so every state is on show.
        age = rng.randint(0, 25) if i < n // 4 else int(rng.random() ** 1.3 * 365)
        received = today - timedelta(days=age)
        dtype = rng.choice(types)
        low, high = AMOUNTS[dtype]
        amount = Decimal(rng.randrange(low, high + 1, 100)) if high else None
        ent = rng.choice(enterprises) if enterprises and rng.random() < 0.8 else None
        # The state follows the case's age: old cases have ended, recent ones are under way.
        roll = rng.random()
        if age > 40:
            status = Status.CLOSED if roll < 0.78 else Status.DECLINED if roll < 0.86 else Status.WITHDRAWN
            outcome = (
                Outcome.AGREEMENT
                if status == Status.CLOSED and rng.random() < 0.85
                else Outcome.NO_AGREEMENT
                if status == Status.CLOSED
                else ""
            )
        else:
            status = rng.choice(
                [
                    Status.RECEIVED,
                    Status.ACCEPTED,
                    Status.IN_MEDIATION,
                    Status.IN_MEDIATION,
                    Status.AGREEMENT,
                    Status.AGREEMENT,
                    Status.NO_AGREEMENT,
                    Status.CLOSED,
                    Status.WITHDRAWN,
                ]
            )
            if status in (Status.RECEIVED, Status.ACCEPTED, Status.IN_MEDIATION) and age > days + 5:
                status = rng.choice([Status.IN_MEDIATION, Status.AGREEMENT, Status.CLOSED])
            outcome = {Status.AGREEMENT: Outcome.AGREEMENT, Status.NO_AGREEMENT: Outcome.NO_AGREEMENT}.get(status, "")
            if status == Status.CLOSED:
                outcome = Outcome.AGREEMENT
        conclude_after = rng.choice([3, 5, 7, 8, 10, 12, 14, 14, 18, 25])
        concluded = received + timedelta(days=min(conclude_after, age)) if outcome else None
        closed = None
        if status in (Status.CLOSED, Status.DECLINED, Status.WITHDRAWN):
            after = (conclude_after + rng.randint(0, 3)) if outcome else rng.randint(1, 6)
            closed = min(received + timedelta(days=after), today)
        oral = rng.random() < 0.3
        matter = rng.choice(MATTERS[dtype])
        plans.append(
            dict(
                status=status,
                outcome=outcome,
                case=Case(
                    park=park,
                    body=rng.choice(bodies),
                    intake=Intake.ORAL if oral else Intake.WRITTEN,
                    received_at=timezone.make_aware(datetime.combine(received, time(9 + rng.randint(0, 8), 0)), tz),
                    received_on=received,
                    matter=matter,
                    reasons=f"申请人口述：{matter}，多次协商未果。" if oral else "",
                    respondent_enterprise=ent,
                    respondent_name="" if ent else f"{person_name(rng)}（个体运输户）",
                    dispute_type=dtype,
                    amount_claimed=amount,
                    facts=f"申请人称：{matter}，涉及金额约{amount or 0}元，已向单位反映未获解决。",
                    requests=f"请求被申请人解决{matter}问题。",
                    source=rng.choice([Source.WALK_IN, Source.WALK_IN, Source.HOTLINE, Source.VISIT, Source.REFERRAL]),
                    harm_known_on=received - timedelta(days=rng.randint(5, 330)),
                    status=status,
                    version=1,
                    outcome=outcome,
                    concluded_on=concluded,
                    closed_on=closed,
                    days_to_close=(closed - received).days if closed else None,
                    left_park=outcome == Outcome.NO_AGREEMENT or (status == Status.DECLINED),
                    decline_reason="不属于劳动争议调解受理范围" if status == Status.DECLINED else "",
                    referral="新都区劳动人事争议仲裁委员会" if status == Status.DECLINED else "",
                    created_by=mediator,
                ),
                amount=amount,
            )
        )
    Case.objects.bulk_create([p["case"] for p in plans], batch_size=1000)

    applicants, sessions, agreements, events = [], [], [], []
    for p in plans:
        case = p["case"]
        for _ in range(1 if rng.random() < 0.8 else rng.randint(2, 5)):
            applicants.append(
                Applicant(
                    case=case,
                    name=person_name(rng),
                    phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                    id_number=f"5101{rng.randint(10, 99)}19{rng.randint(70, 99)}{rng.randint(1, 12):02d}"
                    f"{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
                    if rng.random() < 0.6
                    else "",
                )
            )
        trail = [Status.RECEIVED]
        if case.status not in (Status.RECEIVED, Status.DECLINED) and not (
            case.status == Status.WITHDRAWN and rng.random() < 0.5
        ):
            trail.append(Status.ACCEPTED)
        mediated = case.status in (Status.IN_MEDIATION, Status.AGREEMENT, Status.NO_AGREEMENT) or p["outcome"]
        if mediated:
            trail.append(Status.IN_MEDIATION)
            held = case.received_on + timedelta(days=1)
            for k in range(rng.randint(1, 3)):
                if held > today:
                    break
                sessions.append(
                    Session(
                        case=case,
                        held_on=held,
                        place=case.body.address or case.body.name,
                        present=f"申请人、被申请人代表、调解员{mediator or ''}",
                        minutes=[
                            "听取双方陈述，核对工资表和考勤记录。",
                            "双方就金额和支付期限协商，差距缩小。",
                            "达成一致意见，约定分期支付。",
                        ][k],
                        recorded_by=mediator,
                    )
                )
                held += timedelta(days=rng.randint(2, 5))
        if p["outcome"]:
            trail.append(Status(p["outcome"]))
        if case.status in (Status.CLOSED, Status.DECLINED, Status.WITHDRAWN):
            trail.append(case.status)
        events.append(
            CaseEvent(
                case=case,
                user=mediator,
                at=case.received_at,
                kind=EventKind.CREATED,
                to_status=Status.RECEIVED,
                note=case.matter,
            )
        )
        for k, (before, after) in enumerate(zip(trail, trail[1:], strict=False)):
            at = case.received_at + timedelta(days=k + 1)
            events.append(
                CaseEvent(
                    case=case,
                    user=mediator,
                    at=min(at, timezone.now()),
                    kind=EventKind.TRANSITION,
                    from_status=before,
                    to_status=after,
                )
            )
        case.version = len(trail)
        if p["outcome"] == Outcome.AGREEMENT:
            claimed = p["amount"] or Decimal("0")
            agreed = (claimed * Decimal(rng.choice(["0.6", "0.7", "0.8", "0.9", "1"]))).quantize(Decimal("1"))
            signed = case.concluded_on or case.received_on
            agreements.append(
                Agreement(
                    case=case,
                    facts_in_dispute=case.facts,
                    terms=f"被申请人同意向申请人支付{agreed}元，双方就本争议再无其他纠纷。",
                    performance="分两期通过银行转账支付至申请人账户。",
                    perform_by=signed + timedelta(days=30),
                    amount=agreed,
                    signed_on=signed,
                    mediator=mediator or _any_user(park),
                )
            )
    Case.objects.bulk_update([p["case"] for p in plans], ["version"], batch_size=1000)
    Applicant.objects.bulk_create(applicants, batch_size=2000)
    Session.objects.bulk_create(sessions, batch_size=2000)
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    Agreement.objects.bulk_create(agreements, batch_size=1000)
    instalments = []
    for agreement in agreements:
        if not agreement.amount:
            continue
        first = (agreement.amount / 2).quantize(Decimal("0.01"))
        due1 = agreement.signed_on + timedelta(days=7)
        due2 = agreement.perform_by
        paid1 = due1 if due1 <= today and rng.random() < 0.95 else None
        paid2 = due2 if due2 <= today and rng.random() < 0.85 else None
        instalments.append(
            Instalment(agreement=agreement, amount=first, due_on=due1, paid_on=paid1, recorded_by=mediator)
        )
        instalments.append(
            Instalment(
                agreement=agreement, amount=agreement.amount - first, due_on=due2, paid_on=paid2, recorded_by=mediator
            )
        )
    Instalment.objects.bulk_create(instalments, batch_size=2000)
    if connection.vendor == "postgresql":
        # Fresh planner statistics after a bulk load, or the first pages plan as if the tables were empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE mediation_case, mediation_mediationbody, mediation_applicant, mediation_agreement")
    out.write(
        f"  mediation: {len(rooms)} rooms, {len(with_committee)} committees, {len(plans)} cases, "
        f"{len(sessions)} sessions, {len(agreements)} agreements"
    )


def _any_user(park):
    from parkportal.models import User

    user = User.objects.filter(park=park).order_by("pk").first()
    if user is None:
        user = User.objects.create(username=f"seed-mediator-{park.pk}", role=Role.MEDIATOR, park=park)
    return user
