"""Workflows of the drivers' home: keyword-only `<entity>_<action>` functions, each one transaction."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from drivers_home.models import (
    PRIVACY_NOTICE_VERSION,
    CheckIn,
    CheckInService,
    ConsentMethod,
    DailyStat,
    DriverProfile,
    DriverYear,
    DriverYearEpoch,
    FloatingMemberRequest,
    Service,
    Site,
)
from parkportal.models import User
from parkportal.roles import Role
from parkportal.rows import execute_prepared, execute_prepared_together, statement_name


# --- The daily summary ---------------------------------------------------------------------------------------
def _stat_rows(checkin_time: datetime, site_id: int, province: str, vehicle_type: str) -> list[tuple]:
    local = timezone.localtime(checkin_time)
    day = local.date()
    return [
        (site_id, day, DailyStat.Kind.HOUR, str(local.hour)),
        (site_id, day, DailyStat.Kind.PROVINCE, province or "?"),
        (site_id, day, DailyStat.Kind.VEHICLE, vehicle_type or "?"),
    ]


def stats_add(rows: Iterable[tuple], delta: int = 1) -> None:
    """Add `delta` to the summary rows (site_id, day, kind, key) with one upsert each.

    INSERT … ON CONFLICT DO UPDATE is atomic in PostgreSQL and SQLite, so concurrent check-ins never lose
    a count and never collide on the unique (site, day, kind, key) key.
    """
    table = connection.ops.quote_name(DailyStat._meta.db_table)
    key = connection.ops.quote_name("key")
    sql = (
        f"INSERT INTO {table} (site_id, day, kind, {key}, count) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (site_id, day, kind, {key}) DO UPDATE SET count = {table}.count + EXCLUDED.count"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, delta) for row in rows])


# --- Drivers -------------------------------------------------------------------------------------------------
@transaction.atomic
def driver_profile_save(*, user: User, name: str, plate: str, province: str, vehicle_type: str) -> DriverProfile:
    """The driver's own profile; saving it records his consent to the current privacy notice."""
    profile, _created = DriverProfile.objects.update_or_create(
        user=user,
        defaults={
            "name": name,
            "plate": plate,
            "province": province,
            "vehicle_type": vehicle_type,
            "consent_version": PRIVACY_NOTICE_VERSION,
            "consent_at": timezone.now(),
            "consent_method": ConsentMethod.SELF,
            "consent_noted_by": None,
        },
    )
    if name and user.display_name != name:
        user.display_name = name
        user.save(update_fields=["display_name"])
    return profile


# --- Check-in ------------------------------------------------------------------------------------------------
@transaction.atomic
def checkin_create(*, driver: User, site: Site, via: str = CheckIn.Via.SELF, now: datetime | None = None):
    """Check `driver` in at `site`; within the window (PORTAL_RULES["CHECKIN_WINDOW"]) return the same check-in.

    Returns (checkin, created).

    How a double tap, a refresh, a resubmitted form or two concurrent requests end up as ONE row:
    every check-in of a driver first takes a row lock on his DriverProfile, a row that exists exactly once
    per driver (a unique one-to-one key in the database). Holding that lock, it looks for his latest
    check-in at this site newer than now − window and returns it if there is one; only otherwise it
    inserts. A second request blocks on the lock until the first commits, then (READ COMMITTED: each
    statement sees what was committed before it) finds the first request's row and returns it.

    Why not a unique (driver, site, clock bucket) key: with fixed 2-hour buckets a tap at 09:59 and one at
    10:01 fall into different buckets and would count twice, while taps 3 hours apart in a 4-hour bucket
    would count once. The lock gives an exact sliding window ("within 2 hours of the last check-in"),
    correct at every boundary, and the window stays a setting instead of being frozen into a migration.
    """
    profile = _profile_locked(driver)
    return _checkin_locked(
        driver=driver, site=site, via=via, now=now, province=profile.province, vehicle_type=profile.vehicle_type
    )


def _profile_locked(driver: User) -> DriverProfile:
    profile = DriverProfile.objects.select_for_update().filter(user=driver).first()
    if profile is None:
        raise ValidationError(_("Complete your driver profile before checking in."))
    return profile


def checkin_create_by_token(*, driver: User, token: str, now: datetime | None = None):
    """The poster's one-tap check-in (the driver's own, `via` self): `checkin_create` for the active site
    whose poster carries `token`. Returns (checkin, created); raises Site.DoesNotExist when no active site
    has the token, ValidationError when the driver has no profile.

    On PostgreSQL it is ONE round trip (_checkin_by_token_pg), not four (BEGIN, the lock, the insert, COMMIT):
    0.73-0.83 -> 0.45-0.58 ms wall per check-in, and the profile's lock is held for one round trip instead of
    three. The
    check-in's `site` then holds only its id, park and token (any other field loads on access).
    """
    if connection.vendor == "postgresql":
        when = now or timezone.now()
        if timezone.localtime(when).date() >= timezone.localdate():
            return _checkin_by_token_pg(driver=driver, token=token, now=when)
        # A day that is already over (a time given by the caller): its epoch is raised in the same transaction
        # as the check-in (_epoch_check_day), on the locked path.
    return _checkin_by_token_locked(driver=driver, token=token, now=now)


@transaction.atomic
def _checkin_by_token_locked(*, driver: User, token: str, now: datetime | None):
    """`checkin_create` by the poster's token, in a transaction of its own. On PostgreSQL the site's look-up and
    the profile's row lock are one statement, the lock taken exactly as `checkin_create` takes it (FOR UPDATE OF
    the profile row only; the site is read, not locked)."""
    if connection.vendor != "postgresql":  # (SQLite: no row locks; its writers take turns anyway)
        site = Site.objects.get(token=token, active=True)
        profile = _profile_locked(driver)
        province, vehicle_type = profile.province, profile.vehicle_type
    else:
        name, sql = _poster_lock_sql()
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, name, sql, [token, driver.pk])
            row = cursor.fetchone()
        if row is None:
            raise _no_site_or_no_profile(token)
        site_id, park_id, province, vehicle_type = row
        site = Site.from_db(connection.alias, ["id", "park_id", "token"], [site_id, park_id, token])
    return _checkin_locked(
        driver=driver, site=site, via=CheckIn.Via.SELF, now=now, province=province, vehicle_type=vehicle_type
    )


def _no_site_or_no_profile(token: str) -> Exception:
    """What to raise when the poster's look-up found nothing: no such active site (a 404), or no profile yet
    (the profile form)."""
    if not Site.objects.filter(token=token, active=True).exists():
        return Site.DoesNotExist()
    return ValidationError(_("Complete your driver profile before checking in."))


def _checkin_by_token_pg(*, driver: User, token: str, now: datetime):
    """The poster's check-in as two statements sent together (parkportal.rows.execute_prepared_together): the
    profile's row lock (_poster_lock_sql), then the window look-up and the writes (_poster_tap_sql).

    One transaction, as on the locked path: sent in autocommit, the two are their own transaction; inside a
    caller's, part of it. The second statement takes its snapshot once the first holds the lock, so its look-up
    sees every check-in committed before the lock was granted: a double tap that waited finds the first tap's
    row. It reads the site and the profile again itself (the first statement's row does not reach it); the
    profile cannot change in between, it is locked.

    `now` is read before the lock, not after: a tap that waited behind another compares with a window start
    earlier by its wait (milliseconds), which can only make it find that other tap, never miss it.
    """
    local = timezone.localtime(now)
    day = local.date()
    lock_name, lock_sql = _poster_lock_sql()
    tap_name, tap_sql = _poster_tap_sql(day.month)
    kinds = DailyStat.Kind
    since = now - settings.PORTAL_RULES["CHECKIN_WINDOW"]
    params = [token, driver.pk, driver.pk, since, driver.pk, now, CheckIn.Via.SELF, day]
    params += [str(kinds.HOUR), str(local.hour), str(kinds.PROVINCE), str(kinds.VEHICLE), driver.pk, day.year]
    params += _visiting_day_bits(day)
    with connection.cursor() as cursor:
        execute_prepared_together(
            connection, cursor, [(lock_name, lock_sql, [token, driver.pk]), (tap_name, tap_sql, params)]
        )
        row = cursor.fetchone()
    if row is None:
        raise _no_site_or_no_profile(token)
    pk, found_created, found_via, site_id, park_id = row
    site = Site.from_db(connection.alias, ["id", "park_id", "token"], [site_id, park_id, token])
    if found_created is not None:
        return CheckIn(pk=pk, site=site, driver=driver, created=found_created, via=found_via), False
    _epoch_check_day(park_id=park_id, day=day)
    return CheckIn(pk=pk, site=site, driver=driver, created=now, via=CheckIn.Via.SELF), True


@functools.cache
def _poster_tap_sql(month: int) -> tuple[str, str]:
    """(server-side name, SQL) of the poster's window look-up and writes, after the lock: _checkin_insert_pg's
    statement, with the site found by its token and the summary's keys read from the profile (as _stat_rows
    makes them: a missing province or vehicle type counts as "?"). Returns (id, NULL, NULL, site, park) for a
    new check-in, (id, created, via, site, park) for one found in the window, no row without site or profile.
    Parameters: token, driver, driver, window start, driver, now, via, day, the hour's kind and key, the
    province's and the vehicle's kinds, driver, year, the twelve months' bits."""
    q = connection.ops.quote_name
    checkin_t, profile_t, site_t = (q(m._meta.db_table) for m in (CheckIn, DriverProfile, Site))
    sql = (
        f"WITH me AS (SELECT s.id AS site_id, s.park_id, COALESCE(NULLIF(p.province, ''), '?') AS province, "
        f"COALESCE(NULLIF(p.vehicle_type, ''), '?') AS vehicle FROM {profile_t} p "
        f"JOIN {site_t} s ON s.token = %s AND s.active WHERE p.user_id = %s), "
        f"found AS (SELECT c.id, c.created, c.via FROM {checkin_t} c JOIN me ON c.site_id = me.site_id "
        f"WHERE c.driver_id = %s AND c.created > %s ORDER BY c.created DESC LIMIT 1), "
        f"ins AS (INSERT INTO {checkin_t} (site_id, driver_id, created, via) "
        f"SELECT me.site_id, %s::bigint, %s::timestamptz, %s::text FROM me "
        f"WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id), "
        + _summary_writes_sql(
            source="ins CROSS JOIN me",
            site="me.site_id",
            park="me.park_id",
            keys="LATERAL (VALUES (%s::text, %s::text), (%s::text, me.province::text), (%s::text, me.vehicle::text))",
            month=month,
        )
        + "SELECT ins.id, NULL, NULL, me.site_id, me.park_id FROM ins CROSS JOIN me "
        "UNION ALL SELECT found.id, found.created, found.via, me.site_id, me.park_id FROM found CROSS JOIN me"
    )
    return statement_name("portal_checkin_tap", sql), sql


def _summary_writes_sql(*, source: str, site: str, park: str, keys: str, month: int) -> str:
    """The two CTEs after a check-in's insert (`ins`) that keep the summaries in step: `stat` adds 1 to the
    daily summary's rows (site, day, kind, key) for each (kind, key) of `keys` (VALUES, or LATERAL VALUES over
    `source`), `yr` sets the day's bit in the driver's DriverYear row (column m<month>). Both run once per row
    of `source` (which reads `ins`: none when nothing was inserted). `site` and `park` are SQL for the ids.
    Parameters, in order: `site`'s if any, the day, `keys`' own, `park`'s if any, the driver, the year and the
    twelve months' bits (_visiting_day_bits)."""
    q = connection.ops.quote_name
    stat_t, year_t, key = q(DailyStat._meta.db_table), q(DriverYear._meta.db_table), q("key")
    column = f"m{month}"
    months = ", ".join(f"m{n}" for n in range(1, 13))
    return (
        f"stat AS (INSERT INTO {stat_t} (site_id, day, kind, {key}, count) "
        f"SELECT {site}, %s::date, v.kind, v.k, 1 FROM {source} CROSS JOIN {keys} AS v (kind, k) "
        f"ON CONFLICT (site_id, day, kind, {key}) DO UPDATE SET count = {stat_t}.count + EXCLUDED.count), "
        f"yr AS (INSERT INTO {year_t} (park_id, driver_id, year, {months}) "
        f"SELECT {park}, %s::bigint, %s::smallint, {', '.join('%s::integer' for _ in range(12))} FROM {source} "
        f"ON CONFLICT (park_id, driver_id, year) DO UPDATE SET {column} = {year_t}.{column} | EXCLUDED.{column}) "
    )


@functools.cache
def _poster_lock_sql() -> tuple[str, str]:
    """(server-side name, SQL) of the poster's site look-up with the profile's row lock."""
    q = connection.ops.quote_name
    sql = (
        f"SELECT s.id, s.park_id, p.province, p.vehicle_type FROM {q(DriverProfile._meta.db_table)} p "
        f"JOIN {q(Site._meta.db_table)} s ON s.token = %s AND s.active WHERE p.user_id = %s FOR UPDATE OF p"
    )
    return statement_name("portal_checkin_lock", sql), sql


def _checkin_locked(*, driver: User, site: Site, via: str, now: datetime | None, province: str, vehicle_type: str):
    """The rest of a check-in, once the driver's profile row is locked (see checkin_create)."""
    # The clock is read only once the lock is held: a request that waited must not compare against a
    # time older than the check-in that made it wait (no upper bound on `created` for the same reason).
    now = now or timezone.now()
    window = settings.PORTAL_RULES["CHECKIN_WINDOW"]
    day = timezone.localtime(now).date()
    stat_rows = _stat_rows(now, site.pk, province, vehicle_type)
    if connection.vendor == "postgresql":
        checkin, created = _checkin_insert_pg(
            driver=driver, site=site, via=via, now=now, since=now - window, stat_rows=stat_rows
        )
    else:
        existing = (
            CheckIn.objects.filter(driver=driver, site=site, created__gt=now - window).order_by("-created").first()
        )
        if existing is not None:
            return existing, False
        checkin, created = CheckIn.objects.create(driver=driver, site=site, created=now, via=via), True
        stats_add(stat_rows)
        driver_year_mark(park_id=site.park_id, driver_id=driver.pk, day=day)
    if created:
        _epoch_check_day(park_id=site.park_id, day=day)
    return checkin, created


def _checkin_insert_pg(*, driver: User, site: Site, via: str, now: datetime, since: datetime, stat_rows: list[tuple]):
    """Window look-up, insert, daily summary and visiting-day bit in ONE statement (PostgreSQL).

    Runs after the profile lock is taken, as its own statement: READ COMMITTED gives it a snapshot that
    holds every check-in committed before the lock was granted, so the window look-up is as exact as the
    separate query it replaces. The writes are data-modifying CTEs that run only when the look-up found
    nothing (they read from `ins`, which is empty then).

    Prepared on the server once per connection and shape (parse and plan were 0.24 of the 0.61 ms of the
    database's CPU per check-in).
    """
    local = timezone.localtime(now)
    day = local.date()
    name, sql = _checkin_insert_sql(len(stat_rows), day.month)
    params = [driver.pk, site.pk, since, site.pk, driver.pk, now, via, site.pk, day]
    for _site, _day, kind, k in stat_rows:
        params += [str(kind), k]
    params += [site.park_id, driver.pk, day.year, *_visiting_day_bits(day)]
    with connection.cursor() as cursor:
        execute_prepared(connection, cursor, name, sql, params)
        pk, created, found_via = cursor.fetchone()
    if created is None:
        return CheckIn(pk=pk, site=site, driver=driver, created=now, via=via), True
    return CheckIn(pk=pk, site=site, driver=driver, created=created, via=found_via), False


@functools.cache
def _checkin_insert_sql(stat_rows: int, month: int) -> tuple[str, str]:
    """(server-side name, SQL) of _checkin_insert_pg's statement for this many summary rows and this month's
    visiting-day column."""
    q = connection.ops.quote_name
    checkin_t = q(CheckIn._meta.db_table)
    values = ", ".join("(%s::text, %s::text)" for _r in range(stat_rows))
    # INSERT … SELECT types its placeholders by themselves, not by the columns: the casts give them the
    # columns' types (on the server an untyped one would be text).
    sql = (
        f"WITH found AS (SELECT id, created, via FROM {checkin_t} WHERE driver_id = %s AND site_id = %s "
        f"AND created > %s ORDER BY created DESC LIMIT 1), "
        f"ins AS (INSERT INTO {checkin_t} (site_id, driver_id, created, via) "
        f"SELECT %s::bigint, %s::bigint, %s::timestamptz, %s::text "
        f"WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id), "
        + _summary_writes_sql(
            source="ins", site="%s::bigint", park="%s::bigint", keys=f"(VALUES {values})", month=month
        )
        + "SELECT ins.id, NULL, NULL FROM ins UNION ALL SELECT id, created, via FROM found"
    )
    return statement_name("portal_checkin_insert", sql), sql


# --- Visiting days: the epoch of the closed days' figures ----------------------------------------------------
def driver_year_epoch_raise(*, park_ids: Iterable[int]) -> None:
    """Raise the DriverYearEpoch of `park_ids` (one upsert each): their cached closed-day figures go stale."""
    table = connection.ops.quote_name(DriverYearEpoch._meta.db_table)
    sql = (
        f"INSERT INTO {table} (park_id, epoch) VALUES (%s, 1) "
        f"ON CONFLICT (park_id) DO UPDATE SET epoch = {table}.epoch + 1"
    )
    rows = [(pk,) for pk in sorted(set(park_ids))]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _epoch_check_day(*, park_id: int, day) -> None:
    """A visiting day set for a day that is already over changes a closed figure: raise the epoch.

    At once when the day is past now; and once more after the commit if the day ended meanwhile (a
    check-in at 23:59:59.9 committed after midnight must not stay out of a figure cached just after it).
    """
    if day < timezone.localdate():
        driver_year_epoch_raise(park_ids=[park_id])
        return

    def after_commit():
        if day < timezone.localdate():
            with transaction.atomic():
                driver_year_epoch_raise(park_ids=[park_id])

    transaction.on_commit(after_commit)


def _visiting_day_bits(day) -> list[int]:
    """DriverYear's twelve month columns for one visiting day: its bit in its month, 0 in the others."""
    bits = [0] * 12
    bits[day.month - 1] = 1 << (day.day - 1)
    return bits


def driver_year_mark(*, park_id: int, driver_id: int, day) -> None:
    """Set the bit of `day` in the driver's DriverYear row (one atomic upsert)."""
    table = connection.ops.quote_name(DriverYear._meta.db_table)
    month = f"m{day.month}"
    sql = (
        f"INSERT INTO {table} (park_id, driver_id, year, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12) "
        f"VALUES (%s, %s, %s, {', '.join('%s' for _ in range(12))}) "
        f"ON CONFLICT (park_id, driver_id, year) DO UPDATE SET {month} = {table}.{month} | EXCLUDED.{month}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [park_id, driver_id, day.year, *_visiting_day_bits(day)])


@transaction.atomic
def checkin_set_services(*, checkin: CheckIn, services: Iterable[Service]) -> None:
    """Set the services used at a check-in (only the site's own services); keeps the summary in step."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    offered = set(checkin.site.services.values_list("pk", flat=True))
    wanted = {s.pk for s in services} & offered
    current = set(CheckInService.objects.filter(checkin=checkin).values_list("service_id", flat=True))
    added, removed = wanted - current, current - wanted
    if removed:
        CheckInService.objects.filter(checkin=checkin, service_id__in=removed).delete()
    if added:
        CheckInService.objects.bulk_create([CheckInService(checkin=checkin, service_id=pk) for pk in added])
    day = timezone.localtime(checkin.created).date()
    if added:
        stats_add([(checkin.site_id, day, DailyStat.Kind.SERVICE, str(pk)) for pk in added], 1)
    if removed:
        stats_add([(checkin.site_id, day, DailyStat.Kind.SERVICE, str(pk)) for pk in removed], -1)
    if added or removed:
        # An earlier check-in's services change a closed day's summary (traffic caches those).
        _epoch_check_day(park_id=checkin.site.park_id, day=day)


@transaction.atomic
def desk_checkin(
    *,
    site: Site,
    staff: User,
    phone: str = "",
    plate: str = "",
    name: str = "",
    spoken_consent: bool = False,
):
    """Check in a driver without a smartphone, found by phone number or plate.

    A driver we do not know gets a minimal record (phone and/or plate, a name if he gives one), and only
    with his spoken consent, which is recorded with the staff member who noted it. Returns
    (checkin, created, new_driver).
    """
    # Serialise the desk's check-ins of one site on the site's row: a double-submitted form for a new
    # driver must not create him twice (the second finds the first by phone or plate). FOR NO KEY UPDATE, not
    # FOR UPDATE: every check-in's foreign key to the site takes FOR KEY SHARE on this row at its COMMIT, and
    # FOR UPDATE would block it. A driver's poster tap (holding his profile, waiting at COMMIT for the site)
    # and the desk checking him in (holding the site, waiting for his profile) then deadlocked.
    Site.objects.select_for_update(no_key=True).filter(pk=site.pk).first()
    user = None
    if phone:
        user = User.objects.filter(phone=phone).first()
        if user is not None and user.role != Role.DRIVER:
            raise ValidationError({"phone": _("This number belongs to a staff account, not a driver.")})
    if user is None and plate:
        profile = DriverProfile.objects.select_related("user").filter(plate=plate).order_by("pk").first()
        user = profile.user if profile else None
    new_driver = False
    if user is None:
        if not spoken_consent:
            raise ValidationError(
                {"spoken_consent": _("A new driver must agree to the privacy notice; read it to him and tick.")}
            )
        user = User(
            username=f"driver-{secrets.token_hex(6)}",
            role=Role.DRIVER,
            phone=phone or None,
            phone_verified=False,
            display_name=name,
        )
        user.set_unusable_password()
        user.save()
        DriverProfile.objects.create(
            user=user,
            name=name,
            plate=plate,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=timezone.now(),
            consent_method=ConsentMethod.SPOKEN,
            consent_noted_by=staff,
        )
        new_driver = True
    elif not DriverProfile.objects.filter(user=user).exists():
        if not spoken_consent:
            raise ValidationError(
                {"spoken_consent": _("A new driver must agree to the privacy notice; read it to him and tick.")}
            )
        DriverProfile.objects.create(
            user=user,
            name=name or user.display_name,
            plate=plate,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=timezone.now(),
            consent_method=ConsentMethod.SPOKEN,
            consent_noted_by=staff,
        )
    checkin, created = checkin_create(driver=user, site=site, via=CheckIn.Via.DESK)
    return checkin, created, new_driver


# --- Floating party members ----------------------------------------------------------------------------------
@transaction.atomic
def floating_request_create(
    *, driver: User, park, home_organisation: str, certificate: str, home_contact_phone: str
) -> FloatingMemberRequest:
    """Record "I am a party member"; a second submit while one waits returns the waiting one."""
    # Lock the driver's profile row so two concurrent submits are serialised (the partial unique
    # constraint floating_one_pending_per_driver is the database's last word on it).
    DriverProfile.objects.select_for_update().filter(user=driver).first()
    waiting = FloatingMemberRequest.objects.filter(driver=driver, status=FloatingMemberRequest.Status.PENDING).first()
    if waiting is not None:
        return waiting
    return FloatingMemberRequest.objects.create(
        driver=driver,
        park=park,
        home_organisation=home_organisation,
        certificate=certificate,
        home_contact_phone=home_contact_phone,
    )


@transaction.atomic
def floating_request_accept(*, request: FloatingMemberRequest, organisation, user: User):
    """Accept the driver into `organisation` as a floating (non-voting) member, through parties' service."""
    from parties.floating import member_accept_floating

    request = FloatingMemberRequest.objects.select_for_update().select_related("driver").get(pk=request.pk)
    if request.status != FloatingMemberRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if organisation.park_id != request.park_id:
        raise ValidationError({"organisation": _("Choose an organisation of this park.")})
    profile = DriverProfile.objects.filter(user=request.driver).first()
    member = member_accept_floating(
        name=(profile.name if profile else "") or request.driver.display_name or request.driver.username,
        phone=request.driver.phone or "",
        home_organisation=request.home_organisation,
        floating_certificate=request.certificate,
        home_contact_phone=request.home_contact_phone,
        organisation=organisation,
        user=request.driver,
    )
    request.status = FloatingMemberRequest.Status.ACCEPTED
    request.organisation = organisation
    request.decided_at = timezone.now()
    request.decided_by = user
    request.save(update_fields=["status", "organisation", "decided_at", "decided_by"])
    return member


@transaction.atomic
def floating_request_decline(*, request: FloatingMemberRequest, user: User) -> None:
    request = FloatingMemberRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != FloatingMemberRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    request.status = FloatingMemberRequest.Status.DECLINED
    request.decided_at = timezone.now()
    request.decided_by = user
    request.save(update_fields=["status", "decided_at", "decided_by"])


# --- A driver's own data (PIPL: access and deletion) ---------------------------------------------------------
def driver_data_export(*, user: User) -> dict:
    """Everything the portal keeps about a driver, as one JSON-ready dict."""
    profile = DriverProfile.objects.filter(user=user).first()
    checkins = (
        CheckIn.objects.filter(driver=user).select_related("site").prefetch_related("services").order_by("created")
    )
    member = getattr(user, "party_member", None) if hasattr(user, "party_member") else None
    return {
        "exported": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "phone": user.phone,
            "name": user.display_name,
            "joined": user.date_joined.isoformat(),
        },
        "profile": None
        if profile is None
        else {
            "name": profile.name,
            "plate": profile.plate,
            "home_province": profile.province,
            "vehicle_type": profile.get_vehicle_type_display() if profile.vehicle_type else "",
            "privacy_notice_version": profile.consent_version,
            "consent_given": profile.consent_at.isoformat(),
            "consent": profile.get_consent_method_display(),
        },
        "checkins": [
            {
                "site": c.site.name,
                "time": c.created.isoformat(),
                "via": c.get_via_display(),
                "services": [s.name for s in c.services.all()],
            }
            for c in checkins
        ],
        "floating_member_requests": [
            {
                "home_organisation": r.home_organisation,
                "certificate": r.certificate,
                "home_contact_phone": r.home_contact_phone,
                "status": r.get_status_display(),
                "sent": r.created.isoformat(),
            }
            for r in FloatingMemberRequest.objects.filter(driver=user).order_by("created")
        ],
        "party_member_of": str(member.organisation) if member else None,
    }


@transaction.atomic
def driver_account_delete(*, user: User) -> str:
    """Delete a driver: the person goes, his check-ins stay for the statistics without him.

    The User row is DELETED (not anonymised): nothing needs the person any more, and a deleted row
    cannot leak. Check-ins lose their driver (driver = NULL, kept for the counts; the daily summary
    keeps province and vehicle figures without a person); the profile and floating requests go with
    the account. A parties Member record made from an accepted request belongs to the organisation's
    roll; it is unlinked from the account (Member.user is SET_NULL). If another app PROTECTs its rows
    pointing at the user, the account is anonymised instead (no name, phone, password; inactive).
    Returns "deleted" or "anonymised".
    """
    if user.role != Role.DRIVER:
        raise ValidationError(_("Only a driver's own account can be deleted here."))
    CheckIn.objects.filter(driver=user).update(driver=None)
    # His visiting days stay, without him, whether the account is then deleted or anonymised; his years
    # no longer merge into one person, so the parks' cached closed-day figures go stale.
    years = DriverYear.objects.filter(driver=user)
    parks = set(years.values_list("park_id", flat=True).distinct().order_by())
    if parks:
        years.update(driver=None)
        driver_year_epoch_raise(park_ids=parks)
    DriverProfile.objects.filter(user=user).delete()
    FloatingMemberRequest.objects.filter(driver=user).delete()
    try:
        with transaction.atomic():
            user.delete()
        return "deleted"
    except ProtectedError:
        user.username = f"deleted-{user.pk}"
        user.phone = None
        user.phone_verified = False
        user.display_name = ""
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        return "anonymised"


def checkins_anonymise(*, before: datetime, batch: int = 50_000) -> int:
    """Retention: empty the driver of every check-in older than `before`, in batches. Returns the count."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                CheckIn.objects.filter(created__lt=before, driver__isnull=False)
                .order_by()
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                # Whole years before the cut-off lose their driver too (the visiting days stay, anonymous).
                emptied = DriverYear.objects.filter(year__lt=timezone.localtime(before).year, driver__isnull=False)
                parks = set(emptied.values_list("park_id", flat=True).distinct().order_by())
                if parks:
                    emptied.update(driver=None)
                    # A driver's years no longer merge into one person: the closed figures change.
                    driver_year_epoch_raise(park_ids=parks)
                return total
            total += CheckIn.objects.filter(pk__in=ids).update(driver=None)


def stats_rebuild(*, site_ids: list[int]) -> int:
    """Recompute the daily summary of `site_ids` from the check-ins (the seed's bulk path; a repair tool).

    Aggregates run in the database (GROUP BY day, hour, …, in the portal's time zone). Check-ins that
    were already anonymised count under province and vehicle "?", as they have no driver any more.
    """
    from django.db.models import Count, F, Value
    from django.db.models.functions import Coalesce, ExtractHour, NullIf, TruncDate

    DailyStat.objects.filter(site_id__in=site_ids).delete()
    checkins = CheckIn.objects.filter(site_id__in=site_ids).order_by()
    rows: list[DailyStat] = []
    for r in (
        checkins.annotate(d=TruncDate("created"), h=ExtractHour("created"))
        .values("site_id", "d", "h")
        .annotate(n=Count("pk"))
    ):
        rows.append(
            DailyStat(site_id=r["site_id"], day=r["d"], kind=DailyStat.Kind.HOUR, key=str(r["h"]), count=r["n"])
        )
    for kind, field in ((DailyStat.Kind.PROVINCE, "province"), (DailyStat.Kind.VEHICLE, "vehicle_type")):
        grouped = (
            checkins.annotate(
                d=TruncDate("created"),
                k=Coalesce(NullIf(F(f"driver__driver_profile__{field}"), Value("")), Value("?")),
            )
            .values("site_id", "d", "k")
            .annotate(n=Count("pk"))
        )
        rows.extend(DailyStat(site_id=r["site_id"], day=r["d"], kind=kind, key=r["k"], count=r["n"]) for r in grouped)
    ticked = (
        CheckInService.objects.filter(checkin__site_id__in=site_ids)
        .order_by()
        .annotate(s=F("checkin__site_id"), d=TruncDate("checkin__created"))
        .values("s", "d", "service_id")
        .annotate(n=Count("pk"))
    )
    rows.extend(
        DailyStat(site_id=r["s"], day=r["d"], kind=DailyStat.Kind.SERVICE, key=str(r["service_id"]), count=r["n"])
        for r in ticked
    )
    DailyStat.objects.bulk_create(rows, batch_size=5000)
    driver_years_rebuild(site_ids=site_ids)  # also raises the parks' epoch: their cached figures go
    return len(rows)


def driver_years_rebuild(*, site_ids: list[int]) -> None:
    """Recompute DriverYear for the parks of `site_ids` from their check-ins (anonymised ones are lost)."""
    park_ids = list(Site.objects.filter(pk__in=site_ids).values_list("park_id", flat=True).distinct())
    DriverYear.objects.filter(park_id__in=park_ids).delete()
    driver_year_epoch_raise(park_ids=park_ids)
    table = connection.ops.quote_name(DriverYear._meta.db_table)
    if connection.vendor == "postgresql":
        tz = timezone.get_current_timezone_name()
        local = "(c.created AT TIME ZONE %s)"
        months = ", ".join(
            f"COALESCE(BIT_OR(CASE WHEN EXTRACT(MONTH FROM {local}) = {m} "
            f"THEN 1 << (EXTRACT(DAY FROM {local})::int - 1) END), 0)"
            for m in range(1, 13)
        )
        sql = (
            f"INSERT INTO {table} (park_id, driver_id, year, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12) "
            f"SELECT s.park_id, c.driver_id, EXTRACT(YEAR FROM {local})::int, {months} "
            f"FROM {CheckIn._meta.db_table} c JOIN {Site._meta.db_table} s ON s.id = c.site_id "
            f"WHERE s.park_id = ANY(%s) AND c.driver_id IS NOT NULL GROUP BY 1, 2, 3"
        )
        params = [tz] * (1 + 12 * 2) + [park_ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    years: dict[tuple, list[int]] = {}
    for park_id, driver_id, created in CheckIn.objects.filter(
        site__park_id__in=park_ids, driver__isnull=False
    ).values_list("site__park_id", "driver_id", "created"):
        day = timezone.localtime(created).date()
        bits = years.setdefault((park_id, driver_id, day.year), [0] * 12)
        bits[day.month - 1] |= 1 << (day.day - 1)
    DriverYear.objects.bulk_create(
        [
            DriverYear(park_id=p, driver_id=d, year=y, **{f"m{i + 1}": b for i, b in enumerate(bits)})
            for (p, d, y), bits in years.items()
        ],
        batch_size=5000,
    )
