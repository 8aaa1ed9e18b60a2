"""Demo and benchmark data for the drivers' home (seed 000: 传化公路港's 卡车司机之家; seed 001: a station).

demo:  two sites, their services, `demo-desk`, `demo-driver` (phone 13800000000, SMS code sign-in),
       300 drivers and a realistic month of check-ins (~3,500), a few floating-member requests.
large: 200,000 drivers and 3,650,000 check-ins over a year (10,000 a day), 2.4 million ticked services,
       written with COPY on PostgreSQL (multi-row INSERTs elsewhere); the daily summary and the
       per-year day bits are counted while the rows are generated, the check-in indexes built after
       the COPY. Measured 2026-11-24 on the shared 2-core machine (load average 10–12): 473 s for this
       module (Python CPU 43 s; the rest is PostgreSQL's COPY and index builds waiting for a core).
"""

from __future__ import annotations

import io
import random
import time as clock
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from drivers_home.models import (
    PRIVACY_NOTICE_VERSION,
    PROVINCES,
    CheckIn,
    CheckInService,
    DailyStat,
    DriverProfile,
    DriverYear,
    FloatingMemberRequest,
    Service,
    Site,
    VehicleType,
)
from drivers_home.services import (
    driver_profile_save,
    driver_year_epoch_raise,
    floating_request_accept,
    floating_request_create,
    stats_rebuild,
)
from parkportal.models import User
from parkportal.roles import Role

SERVICES = ["休息", "淋浴", "洗衣", "手机充电", "图书角", "健身", "就餐", "饮水", "卫生间", "健康检查", "法律咨询"]
STATION_SERVICES = ["饮水", "就餐", "休息", "手机充电", "卫生间"]
# Drivers through a Chengdu hub come mostly from Sichuan and its neighbours.
PROVINCE_WEIGHTS = {"四川": 40, "重庆": 14, "贵州": 7, "云南": 6, "陕西": 6, "湖南": 5, "湖北": 5, "河南": 5, "甘肃": 4}
# Check-ins by hour of day: a lunch peak and an evening peak, few at night.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 12, 13, 12, 10, 9, 9, 10, 12, 13, 11, 8, 5, 3]
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_PREFIX = {"四川": "川", "重庆": "渝", "贵州": "贵", "云南": "云", "陕西": "陕", "湖南": "湘", "湖北": "鄂"}
VEHICLES = (
    [VehicleType.HEAVY_TRUCK] * 5
    + [VehicleType.SEMI_TRAILER] * 3
    + [
        VehicleType.MEDIUM_TRUCK,
        VehicleType.LIGHT_TRUCK,
        VehicleType.COURIER,
    ]
)


def _province(rng: random.Random) -> str:
    if rng.random() < 0.85:
        return rng.choices(list(PROVINCE_WEIGHTS), weights=list(PROVINCE_WEIGHTS.values()))[0]
    return rng.choice(PROVINCES[:31])


def _plate(rng: random.Random, province: str, n: int) -> str:
    head = PLATE_PREFIX.get(province, "川") + rng.choice(LETTERS)
    if n % 10 == 0:  # new-energy truck: 5 digits and D/F
        return f"{head}{n % 100000:05d}{rng.choice('DF')}"
    return f"{head}{rng.choice(LETTERS)}{n % 10000:04d}"


def seed(*, park, size: str, out) -> None:
    from parties.seed import demo_user, person_name

    rng = random.Random(2024)
    services = Service.objects.bulk_create([Service(park=park, name=name, order=i) for i, name in enumerate(SERVICES)])
    by_name = {s.name: s for s in services}
    home = Site.objects.create(
        park=park,
        name="传化公路港卡车司机之家",
        kind=Site.Kind.DRIVERS_HOME,
        address="成都市新都区传化公路港综合服务楼一楼",
        opening_hours="每天 07:00–23:00",
        facilities="会议室、休息室、按摩椅、手机充电站、图书角、健身房、运动区；“卡友大讲堂”每月开讲；卡友微信群",
    )
    home.services.set(services)
    station = Site.objects.create(
        park=park,
        name="园区北门户外劳动者驿站",
        kind=Site.Kind.OUTDOOR_STATION,
        address="园区北门",
        opening_hours="每天 08:00–20:00",
        facilities="饮水、热饭、休息、充电、如厕（“五有”）；图书馆分馆",
    )
    station.services.set([by_name[n] for n in STATION_SERVICES])
    sites = [home, station]

    desk = demo_user("demo-desk", Role.DESK, park, "司机之家前台")
    home.desk_staff.add(desk)
    station.desk_staff.add(desk)
    driver = demo_user("demo-driver", Role.DRIVER, None, "秦师傅", phone="13800000000")
    if not DriverProfile.objects.filter(user=driver).exists():
        driver_profile_save(
            user=driver, name="秦师傅", plate="川A12345D", province="四川", vehicle_type=VehicleType.HEAVY_TRUCK
        )

    if size == "large":
        _large(park=park, sites=sites, services=services, rng=rng, out=out)
        return

    # --- demo: 300 drivers, the last 30 days ---
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                username=f"driver-demo-{i:04d}",
                role=Role.DRIVER,
                phone=f"147{i:08d}",
                phone_verified=True,
                display_name=person_name(rng),
                password="!",
            )
            for i in range(300)
        ]
    )
    profiles = []
    for i, user in enumerate(users):
        province = _province(rng)
        profiles.append(
            DriverProfile(
                user=user,
                name=user.display_name,
                plate=_plate(rng, province, i),
                province=province,
                vehicle_type=rng.choice(VEHICLES),
                consent_version=PRIVACY_NOTICE_VERSION,
                consent_at=now - timedelta(days=31),
            )
        )
    DriverProfile.objects.bulk_create(profiles)
    regulars = users[:60]  # a fifth come back often
    checkins: list[CheckIn] = []
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for back in range(30, -1, -1):
        day = today - timedelta(days=back)
        for site, per_day in ((home, rng.randint(90, 140)), (station, rng.randint(10, 25))):
            seen: set[int] = set()
            for _ in range(per_day):
                user = rng.choice(regulars) if rng.random() < 0.4 else rng.choice(users)
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
                at = timezone.make_aware(datetime.combine(day, time(hour, rng.randint(0, 59))), tz)
                if at > now:
                    continue
                via = CheckIn.Via.DESK if rng.random() < 0.08 else CheckIn.Via.SELF
                checkins.append(CheckIn(site=site, driver=user, created=at, via=via))
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
    site_services = {home.pk: services, station.pk: [by_name[n] for n in STATION_SERVICES]}
    ticks = []
    for c in checkins:
        if rng.random() < 0.6:
            for service in rng.sample(site_services[c.site_id], rng.randint(1, 3)):
                ticks.append(CheckInService(checkin=c, service=service))
    CheckInService.objects.bulk_create(ticks, batch_size=2000)
    stats_rebuild(site_ids=[home.pk, station.pk])

    # Floating members found at the drivers' home (seed 000's 老秦 was one).
    from parties.models import Organisation

    for i, user in enumerate(users[:5]):
        request = floating_request_create(
            driver=user,
            park=park,
            home_organisation=rng.choice(
                ["湖南省长沙市某物流公司党支部", "四川省南充市顺庆区运输协会党支部", "重庆市万州区货运党支部"]
            ),
            certificate=f"LD2024{i:04d}",
            home_contact_phone=f"028-8{i:07d}",
        )
        org = Organisation.objects.filter(park=park, name__startswith="传化公路港").first()
        if i == 0 and org is not None:
            floating_request_accept(request=request, organisation=org, user=None)
    out.write(f"    drivers' home: 2 sites, {len(users)} drivers, {len(checkins)} check-ins\n")


# --- large: the benchmark year ---------------------------------------------------------------------------------
def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def _copy(model, columns: list[str], rows, chunk: int = 200_000) -> None:
    """Write rows fast: COPY on PostgreSQL, multi-row INSERTs elsewhere; explicit ids, sequence fixed after."""
    table = model._meta.db_table
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            n = 0

            def flush():
                buf.seek(0)
                cursor.cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
                buf.seek(0)
                buf.truncate()

            for row in rows:
                buf.write("\t".join("\\N" if v is None else str(v) for v in row))
                buf.write("\n")
                n += 1
                if n % chunk == 0:
                    flush()
            flush()
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 5000:
                    cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)


@contextmanager
def _bulk_load(model):
    """PostgreSQL: load without the model's secondary indexes, then build them once (much faster than
    maintaining them row by row)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for index in model._meta.indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
    yield
    with connection.schema_editor(atomic=False) as editor:
        for index in model._meta.indexes:
            editor.add_index(model, index)


def _replica() -> None:
    """PostgreSQL, as superuser: no per-row FK triggers for the rest of this transaction (the generated
    rows are consistent by construction); otherwise nothing changes."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def _large(*, park, sites, services, rng: random.Random, out) -> None:
    n_drivers, per_day, days = 200_000, 10_000, 365
    started = clock.monotonic()
    _replica()
    now = timezone.now()
    stamp = now.isoformat()
    first_user = _next_id(User)
    # Phones 150xxxxxxxx..: unique and valid, never a real person's in a benchmark.
    _copy(
        User,
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "phone",
            "phone_verified",
            "role",
            "display_name",
        ],  # fmt: skip
        (
            (
                first_user + i,
                "!",
                False,
                f"lg-driver-{i:06d}",
                "",
                "",
                "",
                False,
                True,
                stamp,
                f"150{i:08d}",
                True,
                Role.DRIVER,
                f"司机{i:06d}",
            )  # fmt: skip
            for i in range(n_drivers)
        ),
    )
    provinces = [_province(rng) for _ in range(n_drivers)]
    vehicle_of = [rng.choice(VEHICLES) for _ in range(n_drivers)]
    first_profile = _next_id(DriverProfile)
    _copy(
        DriverProfile,
        [
            "id",
            "user_id",
            "name",
            "plate",
            "province",
            "vehicle_type",
            "consent_version",
            "consent_at",
            "consent_method",
            "created",
        ],  # fmt: skip
        (
            (
                first_profile + i,
                first_user + i,
                f"司机{i:06d}",
                _plate(rng, provinces[i], i),
                provinces[i],
                rng.choice(VEHICLES),
                PRIVACY_NOTICE_VERSION,
                stamp,
                "self",
                stamp,
            )  # fmt: skip
            for i in range(n_drivers)
        ),
    )
    out.write(f"    drivers: {n_drivers} in {clock.monotonic() - started:.1f}s\n")

    step = clock.monotonic()
    tz = timezone.get_current_timezone()
    start_day = timezone.localdate() - timedelta(days=days)
    home, station = sites
    home_services = [s.pk for s in services]
    station_services = [s.pk for s in services if s.name in STATION_SERVICES]
    vehicles = vehicle_of
    first_checkin = _next_id(CheckIn)
    hour_choices = rng.choices(range(24), weights=HOUR_WEIGHTS, k=100_000)
    ticks: list[tuple[int, int]] = []
    # The summaries are counted while the rows are generated (the check-in service's increments, in bulk).
    daily: Counter = Counter()
    years: dict[tuple[int, int], list[int]] = {}

    def checkin_rows():
        cid = first_checkin
        regulars = n_drivers // 10
        for d in range(days):
            day = start_day + timedelta(days=d)
            base = timezone.make_aware(datetime.combine(day, time.min), tz)
            base_iso = base.isoformat()[:10]
            offset = base.isoformat()[19:]
            bit_month, bit = day.month - 1, 1 << (day.day - 1)
            for j in range(per_day):
                # A tenth of the drivers make half the visits (regular routes through the hub).
                driver = rng.randrange(regulars) if j % 2 else rng.randrange(n_drivers)
                site = station.pk if j % 9 == 0 else home.pk
                hour = hour_choices[(d * per_day + j) % 100_000]
                seconds = rng.randrange(3600)
                daily[(site, day, "hour", str(hour))] += 1
                daily[(site, day, "province", provinces[driver])] += 1
                daily[(site, day, "vehicle", vehicles[driver])] += 1
                bits = years.get((driver, day.year))
                if bits is None:
                    bits = years[(driver, day.year)] = [0] * 12
                bits[bit_month] |= bit
                if j % 3 == 0:
                    for s in rng.sample(station_services if site == station.pk else home_services, 2):
                        ticks.append((cid, s))
                        daily[(site, day, "service", str(s))] += 1
                at = f"{base_iso} {hour:02d}:{seconds // 60:02d}:{seconds % 60:02d}{offset}"
                yield cid, site, first_user + driver, at, "self" if j % 12 else "desk"
                cid += 1

    with _bulk_load(CheckIn):
        _copy(CheckIn, ["id", "site_id", "driver_id", "created", "via"], checkin_rows())
    out.write(f"    check-ins: {days * per_day} in {clock.monotonic() - step:.1f}s\n")
    step = clock.monotonic()
    first_tick = _next_id(CheckInService)
    _copy(
        CheckInService, ["id", "checkin_id", "service_id"], ((first_tick + i, c, s) for i, (c, s) in enumerate(ticks))
    )
    out.write(f"    services ticked: {len(ticks)} in {clock.monotonic() - step:.1f}s\n")
    step = clock.monotonic()
    first_stat = _next_id(DailyStat)
    _copy(
        DailyStat,
        ["id", "site_id", "day", "kind", "key", "count"],
        ((first_stat + i, *key, n) for i, (key, n) in enumerate(daily.items())),
    )
    first_year = _next_id(DriverYear)
    _copy(
        DriverYear,
        ["id", "park_id", "driver_id", "year", *[f"m{i}" for i in range(1, 13)]],
        (
            (first_year + i, park.pk, first_user + drv, year, *bits)
            for i, ((drv, year), bits) in enumerate(years.items())
        ),
    )
    driver_year_epoch_raise(park_ids=[park.pk])  # past days' visiting bits written: closed figures are stale
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (User, DriverProfile, CheckIn, CheckInService, DailyStat, DriverYear):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    out.write(f"    summaries: {len(daily)} daily rows, {len(years)} driver-years in {clock.monotonic() - step:.1f}s\n")
    FloatingMemberRequest.objects.bulk_create(
        [
            FloatingMemberRequest(
                park=park,
                driver_id=first_user + i,
                home_organisation="四川省南充市顺庆区运输协会党支部",
                certificate=f"LD{i:06d}",
                home_contact_phone="028-80000000",
            )
            for i in range(0, 3000, 10)
        ]
    )
    out.write(f"    drivers' home large: {clock.monotonic() - started:.1f}s\n")
