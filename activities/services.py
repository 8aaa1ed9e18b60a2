"""The one capacity service: registration, cancellation (by the person or an organiser), check-in, walk-ins,
promotion, and the organiser's edits of the place limit.

pretix's pattern: every change that can take or free a place runs in ONE transaction that first locks
the event row (`SELECT … FOR UPDATE`) and only then reads availability, so two requests can never both
see the last place free. The database backs it: one registration per person and event, one person per
waiting-list position, and "waiting" ⇔ "has a position". Texts (promotion SMS) leave only after commit.

An event without a place limit has no last place to guard: a registration there takes the event row
`FOR SHARE` instead, so registrations for the same event run side by side, while a cancellation of the
event, an edit and a promotion (which update or lock the row `FOR UPDATE`) still wait for them and they for
those; the one-row-per-person rule is the unique constraint's (a double submission that loses the race
falls back to the locked path, which finds the first row).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import (
    Broadcast,
    Event,
    EventStatus,
    FamilyMember,
    Registration,
    RegistrationStatus,
)
from parkportal.models import User
from parkportal.rows import PreparedQuery, execute_prepared, execute_prepared_together, statement_name
from parkportal.sms import send_sms


class RegistrationError(Exception):
    """A registration the rules refuse; the message is for the user."""


@dataclass
class FamilyEntry:
    name: str
    relation: str
    age: int | None = None


def _lock_event(event_id: int) -> Event:
    # The lock comes first: availability is read only while holding it.
    return Event.objects.select_for_update().get(pk=event_id)


# The registration path's statements, compiled once per connection (parkportal.rows.PreparedQuery): the
# one-tap registration runs four of them, and building each through the ORM cost 0.2–0.5 ms of CPU.
_event_for_share = PreparedQuery(
    "event_for_share", lambda _shape, event_id: Event.objects.filter(pk=event_id).order_by(), lock="FOR SHARE"
)
_event_for_update = PreparedQuery(
    "event_for_update", lambda _shape, event_id: Event.objects.select_for_update().filter(pk=event_id).order_by()
)
_earlier_or_waiting = PreparedQuery(
    "registration_earlier_or_waiting",
    lambda _shape, event_id, user_id: (
        Registration.objects.filter(Q(user=user_id) | Q(status=RegistrationStatus.WAITING), event=event_id)
        .order_by()
        .only("pk")[:1]
    ),
)
_registration_state = PreparedQuery(
    "registration_state",
    # One row of aggregates over the event's registrations, even none (grouped by a constant: no GROUP BY).
    lambda _shape, event_id, user_id: (
        Registration.objects.filter(event=event_id)
        .order_by()
        .values(_one=Value(1))
        .annotate(
            taken=Sum("places", filter=Q(status__in=Registration.HOLDING), default=0),
            waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
            last=Max("position"),
            mine=Max("pk", filter=Q(user=user_id)),
        )
        .values("taken", "waiting", "last", "mine")
    ),
)


def _visible_event(shape: tuple[str, bool], event_id: int, user_id: int, park_id: int):
    """The event if this person may see it (`visible_to`, built for a stand-in with the person's role, id and
    park: PreparedQuery's stand-in values). `shape` = (role, the person has a park)."""
    role, has_park = shape
    person = User(pk=user_id, role=role, park_id=park_id if has_park else None, is_active=True)
    # Only what the registration decides by (Event.registration_state, the limit, family allowed) and copies
    # (the park): not the description and the rest of a wide row.
    return (
        Event.objects.visible_to(person)
        .filter(pk=event_id)
        .only("park", "status", "capacity", "allow_family", "registration_opens", "registration_closes", "starts_at")
        .order_by()
    )


# The one tap's two ways to lock the event it may see, in its transaction. An event without a limit is read
# under the shared lock (the filter on the limit is checked again on the row's latest version after a wait, so
# a limit set meanwhile finds nothing); only if that finds nothing is the row locked FOR UPDATE (an event with
# a limit, or not visible). The shared statement locks nothing it does not return, so the exclusive one never
# upgrades a lock this transaction holds (two such upgrades would deadlock).
_tap_share = PreparedQuery(
    "tap_event_for_share",
    lambda shape, event_id, user_id, park_id: _visible_event(shape, event_id, user_id, park_id).filter(
        capacity__isnull=True
    ),
    lock='FOR SHARE OF "activities_event"',
)
_tap_update = PreparedQuery(
    "tap_event_for_update",
    lambda shape, event_id, user_id, park_id: _visible_event(shape, event_id, user_id, park_id).select_for_update(
        of=("self",)
    ),
)


def _typed_placeholder(field, connection) -> str:
    """A field's placeholder in INSERT … SELECT on PostgreSQL, which types its values by themselves, not by the
    columns: cast to the column's type (strings to text, so that the column's length check still refuses, as it
    would an INSERT … VALUES; a cast to varchar(n) would cut the string)."""
    db_type = "text" if field.get_internal_type() in ("CharField", "TextField") else field.db_type(connection)
    return f"CAST(%s AS {db_type})"


def _tap_values(event_id: int, user) -> tuple[tuple[int, int, int], tuple[str, bool]]:
    """The tap's statements' values and shape (_visible_event's): the event, the person, their park (0: none)."""
    return (event_id, user.pk, user.park_id or 0), (user.role, user.park_id is not None)


class _RegistrationInsert:
    """One INSERT … SELECT of a new registration row that decides in the same statement whether to write it
    (RETURNING its id and the status and position it took, or no row): a read and an insert were two round
    trips. Each runs after the caller's lock on the event was granted, so (a statement of its own) it sees
    every row committed before that, the guarantee the separate read gave. Hand-written, as the ORM has no
    INSERT … SELECT; the columns are the model's own, their values prepared by the fields as save() does.
    Prepared on the PostgreSQL server once per session, as PreparedQuery does.

    `select(values, column, table)` writes what follows INSERT INTO … (columns): `values` maps each field's name
    to its placeholder, `column(name)` quotes a column's name, `table` is the quoted table; its own parameters
    follow the fields' values."""

    def __init__(self, name: str, select: Callable[[dict[str, str], Callable[[str], str], str], str]):
        self.name = name
        self.select = select
        self._sql: dict[str, tuple[str, list]] = {}

    def _statement(self, connection) -> tuple[str, list]:
        found = self._sql.get(connection.vendor)
        if found is None:
            meta = Registration._meta
            fields = [f for f in meta.local_concrete_fields if not f.primary_key]
            qn = connection.ops.quote_name
            if connection.vendor == "postgresql":
                values = {f.name: _typed_placeholder(f, connection) for f in fields}
            else:
                values = {f.name: "%s" for f in fields}
            select = self.select(values, lambda name: qn(meta.get_field(name).column), qn(meta.db_table))
            sql = (
                f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) {select} "
                f"RETURNING {qn(meta.pk.column)}, {qn(meta.get_field('status').column)}, "
                f"{qn(meta.get_field('position').column)}"
            )
            found = self._sql[connection.vendor] = (sql, fields)
        return found

    def __call__(self, registration: Registration, *params) -> bool:
        """Insert `registration` (filled, event and user set) if the statement decides so, with `params` after
        the fields' values; then set its pk, status and position (and confirmed_at as _fill does) and return
        True. False: nothing written."""
        from django.db import connections

        # The connection itself, not django.db.connection: that proxy's attributes would be shared by every
        # thread, and execute_prepared keeps what it prepared on the object it is given.
        connection = connections[registration._state.db or "default"]
        sql, fields = self._statement(connection)
        registration.fill_park()
        values = [f.get_db_prep_save(f.pre_save(registration, True), connection) for f in fields]
        values += params
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, statement_name(self.name, sql), sql, values)
            # fetchall(), not fetchone(): SQLite finishes an INSERT … RETURNING only when its rows are all read
            # (until then the statement stays open, and a COMMIT or another writer finds it in progress).
            rows = cursor.fetchall()
        if not rows:
            return False
        registration.pk, registration.status, registration.position = rows[0]
        if registration.status != RegistrationStatus.CONFIRMED:
            registration.confirmed_at = None
        registration._state.adding = False
        registration._state.db = connection.alias
        return True


# An event without a limit, under the shared lock: the row is written (confirmed, as filled) only if the event
# has no row of this person and nobody waiting. Parameters: event, person, event, "waiting".
_insert_unless_earlier_or_waiting = _RegistrationInsert(
    "portal_registration_insert_unless_earlier_or_waiting",
    # Two NOT EXISTS, not one with an OR: each finds its answer in an index, (event, user) and (event, status).
    # With the OR, PostgreSQL read every registration of the event through the first and filtered it (1.6 ms at
    # 6,200 registrations, growing with each tap on a popular event, under the event's lock).
    lambda values, column, table: (
        f"SELECT {', '.join(values.values())} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {column('event')} = %s AND {column('user')} = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE {column('event')} = %s AND {column('status')} = %s)"
    ),
)


def _decided_by_places(values: dict[str, str], column: Callable[[str], str], table: str) -> str:
    """Under the exclusive lock: the row is written only if this person has no row for the event (else the
    locked path's read decides: return it, or re-use a cancelled one), confirmed if nobody waits and the places
    fit, else waiting at the end of the list: what _register_locked decides from its read of the same figures.
    Parameters: the limit (NULL: none), the places asked, the person, the event."""
    waiting, holding = RegistrationStatus.WAITING, Registration.HOLDING
    # Placeholders typed as the columns they are compared with (a bare one in `IS NULL` has no type).
    number, person, event = values["position"], values["user"], values["event"]
    state = (
        f"SELECT COUNT(*) FILTER (WHERE {column('status')} = '{waiting}') = 0 AND ({number} IS NULL OR "
        f"COALESCE(SUM({column('places')}) FILTER (WHERE {column('status')} IN ('{holding[0]}', '{holding[1]}')), 0)"
        f" + {number} <= {number}) AS fits, COALESCE(MAX({column('position')}), 0) + 1 AS next_position, "
        f"MAX({column('id')}) FILTER (WHERE {column('user')} = {person}) AS mine "
        f"FROM {table} WHERE {column('event')} = {event}"
    )
    decided = dict(
        values,
        status=f"CASE WHEN state.fits THEN {values['status']} ELSE '{waiting}' END",
        position=f"CASE WHEN state.fits THEN {values['position']} ELSE state.next_position END",
        confirmed_at=f"CASE WHEN state.fits THEN {values['confirmed_at']} END",
    )
    return f"SELECT {', '.join(decided.values())} FROM ({state}) state WHERE state.mine IS NULL"


_insert_decided_by_places = _RegistrationInsert("portal_registration_insert_decided_by_places", _decided_by_places)


def registration_tap(*, event_id: int, user, now=None) -> tuple[Registration, bool]:
    """The event page's one tap: register `user` alone for the event `event_id` if they may see it (else
    Event.DoesNotExist). As registration_create, in fewer round trips: the visibility read is the lock.

    An event without a limit: its row under the shared lock, then the insert that writes nothing if the person
    has a row or anyone waits. Anything else (a limit, an earlier row, people waiting, registration not open, a
    concurrent double tap refused by the unique constraint) goes to the locked path, which decides it as for
    registration_create (an earlier registration is returned before "registration has closed" is said)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        outcome = _tap_together(event_id=event_id, user=user, now=now)
        if isinstance(outcome, tuple):
            return outcome
        if outcome is _HAS_LIMIT_OR_UNSEEN:
            tap = _tap_limited_atomic  # where _tap goes when its shared lock finds nothing
        else:  # _NOT_WRITTEN: as when _tap writes nothing, the locked path decides
            return _register_under_lock(event_id=event_id, user=user, family=[], now=now)
    else:
        tap = _tap
    try:
        done = tap(event_id=event_id, user=user, now=now)
    except IntegrityError:
        done = None  # as in registration_create: this attempt was rolled back; the locked path finds the row
    if done is not None:
        return done
    return _register_under_lock(event_id=event_id, user=user, family=[], now=now)


# The common tap in ONE round trip (PostgreSQL): the event's shared lock (_tap_share) and, sent with it, an
# insert that writes the confirmed row only if the event is open and the person has no row and nobody waits
# (_tap_insert_sql). It answers which of three cases it met, so that the slower paths start where _tap's would.
_tap_event = PreparedQuery(
    "tap_event",
    # What _tap_share finds (visible, no limit), not locked again, and whether registration_state(now) is "open":
    # published, opened (or no opening time), before it closes (registration_closes, else starts_at), not begun.
    lambda shape, event_id, user_id, park_id, now: (
        _visible_event(shape, event_id, user_id, park_id)
        .filter(capacity__isnull=True)
        .annotate(
            is_open=ExpressionWrapper(
                Q(status=EventStatus.PUBLISHED, starts_at__gt=now)
                & (Q(registration_opens__isnull=True) | Q(registration_opens__lte=now))
                & (Q(registration_closes__isnull=True) | Q(registration_closes__gt=now)),
                output_field=BooleanField(),
            )
        )
    ),
)
#: _tap_together's outcomes that wrote nothing: the event is visible without a limit (someone's row, people
#: waiting, or registration not open: the locked path decides), or it has a limit or is not visible.
_NOT_WRITTEN, _HAS_LIMIT_OR_UNSEEN = object(), object()


def _tap_together(*, event_id: int, user, now):
    """The shared lock and the insert as two statements of one simple query (execute_prepared_together): one
    transaction, BEGIN and COMMIT saved, and the insert's snapshot taken once the lock is held, as when they
    were two round trips. Returns (registration, True), _NOT_WRITTEN or _HAS_LIMIT_OR_UNSEEN."""
    from django.db import connections

    connection = connections[DEFAULT_DB_ALIAS]
    values, shape = _tap_values(event_id, user)
    lock = _tap_share.statement(*values, shape=shape)
    event = _tap_event.statement(*values, now, shape=shape)
    if lock is None or event is None:
        return _HAS_LIMIT_OR_UNSEEN  # an id no event has
    _event_name, event_sql, event_params = event
    name, sql, fields = _tap_insert_sql(connection.vendor, event_sql)
    registration = Registration(event_id=event_id, user=user)
    _fill(registration, user=user, places=1, position=None)
    params = [*event_params, *(f.get_db_prep_save(f.pre_save(registration, True), connection) for f in fields)]
    params += [event_id, user.pk, event_id, RegistrationStatus.WAITING]
    try:
        # Inside a caller's transaction a savepoint keeps a refused insert from breaking it; in autocommit the
        # two statements are their own transaction, and a refusal takes the lock back with them.
        with transaction.atomic(using=connection.alias) if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                execute_prepared_together(connection, cursor, [lock, (name, sql, params)])
                rows = cursor.fetchall()
    except IntegrityError:
        return _NOT_WRITTEN  # a concurrent double tap: the unique constraint refused this row
    if not rows:
        return _HAS_LIMIT_OR_UNSEEN
    pk, park_id, status, position = rows[0]
    if pk is None:
        return _NOT_WRITTEN
    registration.pk, registration.park_id, registration.status, registration.position = pk, park_id, status, position
    registration._state.adding = False
    registration._state.db = connection.alias
    return registration, True


_tap_insert_statements: dict[tuple[str, str], tuple[str, str, list]] = {}


def _tap_insert_sql(vendor: str, event_sql: str) -> tuple[str, str, list]:
    """(server-side name, SQL, fields) of the tap's insert over the event `event_sql` finds (_tap_event): the
    row's fields but event and park are parameters (_typed_placeholder), the event and its park come from the
    event's row. Returns the new row's id, park, status and position; a row of NULLs when the event is there
    but nothing was written; no row without the event. Parameters: `event_sql`'s, the fields' values, the
    event, the person, the event, "waiting"."""
    found = _tap_insert_statements.get((vendor, event_sql))
    if found is None:
        meta = Registration._meta
        qn = connection.ops.quote_name
        fields = [f for f in meta.local_concrete_fields if not f.primary_key and f.name not in ("event", "park")]
        casts = [_typed_placeholder(f, connection) for f in fields]
        table, column = qn(meta.db_table), lambda name: qn(meta.get_field(name).column)
        returned = f"{qn(meta.pk.column)}, {column('park')}, {column('status')}, {column('position')}"
        sql = (
            f"WITH ev AS ({event_sql}), "
            f"ins AS (INSERT INTO {table} ({column('event')}, {column('park')}, "
            f"{', '.join(qn(f.column) for f in fields)}) "
            f"SELECT ev.id, ev.park_id, {', '.join(casts)} FROM ev WHERE ev.is_open "
            # The event's id as a parameter, not ev.id: each NOT EXISTS is then one index look-up (correlated to
            # the CTE, PostgreSQL read every registration of the event: test_tap_reads).
            f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE {column('event')} = %s AND {column('user')} = %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} WHERE {column('event')} = %s AND {column('status')} = %s) "
            f"RETURNING {returned}) "
            f"SELECT {returned} FROM ins UNION ALL SELECT NULL, NULL, NULL, NULL FROM ev "
            f"WHERE NOT EXISTS (SELECT 1 FROM ins)"
        )
        found = _tap_insert_statements[(vendor, event_sql)] = (statement_name("portal_tap_insert", sql), sql, fields)
    return found


@transaction.atomic
def _tap(*, event_id: int, user, now) -> tuple[Registration, bool] | None:
    values, shape = _tap_values(event_id, user)
    shared = _tap_share.rows(*values, shape=shape)
    if not shared:
        return _tap_limited(event_id=event_id, user=user, now=now)
    event = shared[0]
    if event.registration_state(now) != "open":
        return None
    registration = Registration(event=event, user=user)
    _fill(registration, user=user, places=_check_family(event, []), position=None)
    if not _insert_unless_earlier_or_waiting(registration, event.pk, user.pk, event.pk, RegistrationStatus.WAITING):
        return None
    return registration, True


def _tap_limited(*, event_id: int, user, now) -> tuple[Registration, bool]:
    """The tap for an event with a limit, or one the person may not see (Event.DoesNotExist): FOR UPDATE."""
    values, shape = _tap_values(event_id, user)
    locked = _tap_update.rows(*values, shape=shape)
    if not locked:
        raise Event.DoesNotExist
    return _register_locked(locked[0], user=user, family=[], now=now)


_tap_limited_atomic = transaction.atomic(_tap_limited)


def _share_event(event_id: int) -> Event:
    """The event row read under a FOR SHARE lock: shared with other registrations for an event without a
    limit, exclusive of FOR UPDATE and of UPDATE (cancel, publish, edit, promotion). Django has no
    select_for_share(); SQLite has no row locks (it writes one transaction at a time)."""
    for event in _event_for_share.rows(event_id):
        return event
    raise Event.DoesNotExist


def _taken(event: Event) -> int:
    return (
        Registration.objects.filter(event=event, status__in=Registration.HOLDING).aggregate(n=Sum("places"))["n"] or 0
    )


def _next_position(event: Event) -> int:
    last = Registration.objects.filter(event=event, position__isnull=False).aggregate(m=Max("position"))["m"]
    return (last or 0) + 1


def _has_waiting(event: Event) -> bool:
    return Registration.objects.filter(event=event, status=RegistrationStatus.WAITING).exists()


def _fits(event: Event, places: int) -> bool:
    return event.capacity is None or _taken(event) + places <= event.capacity


def _check_open(event: Event, now) -> None:
    state = event.registration_state(now)
    if state == "cancelled":
        raise RegistrationError(_("This event has been cancelled."))
    if state == "draft":
        raise RegistrationError(_("This event is not open for registration."))
    if state == "not_yet":
        raise RegistrationError(_("Registration has not opened yet."))
    if state == "closed":
        raise RegistrationError(_("Registration for this event has closed."))


def _sms_after_commit(phone: str, body: str) -> None:
    if phone:
        transaction.on_commit(lambda: send_sms(phone, body))


def waiting_rank(registration: Registration) -> int | None:
    """The position a waiting person sees: 1 + the number waiting before them."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return (
        Registration.objects.filter(
            event_id=registration.event_id, status=RegistrationStatus.WAITING, position__lt=registration.position
        ).count()
        + 1
    )


def _check_family(event: Event, family: list[FamilyEntry]) -> int:
    """The places the group takes, or RegistrationError."""
    if family and not event.allow_family:
        raise RegistrationError(_("Family members cannot be registered for this event."))
    if len(family) > settings.PORTAL_RULES["EVENT_MAX_FAMILY"]:
        raise RegistrationError(
            _("At most %(n)d family members per registration.") % {"n": settings.PORTAL_RULES["EVENT_MAX_FAMILY"]}
        )
    places = 1 + len(family)
    if event.capacity is not None and places > event.capacity:
        raise RegistrationError(_("The event has fewer places than your group."))
    return places


def _fill(registration: Registration, *, user, places: int, position: int | None) -> None:
    """Set the person, places and state of a new (or re-used cancelled) row; waiting iff `position`."""
    registration.name = user.display_name or user.get_full_name() or user.username
    registration.phone = user.phone or ""
    registration.places = places
    registration.created = timezone.now()
    registration.cancelled_at = None
    registration.cancelled_by = None
    registration.reminded_at = None
    if position is None:
        registration.status = RegistrationStatus.CONFIRMED
        registration.position = None
        registration.confirmed_at = registration.created
    else:
        registration.status = RegistrationStatus.WAITING
        registration.position = position
        registration.confirmed_at = None


def _add_family(registration: Registration, family: list[FamilyEntry]) -> None:
    if family:
        FamilyMember.objects.bulk_create(
            [FamilyMember(registration=registration, name=f.name, relation=f.relation, age=f.age) for f in family]
        )


def registration_create(
    *, event: Event, user, family: Sequence[FamilyEntry] = (), now=None
) -> tuple[Registration, bool]:
    """Register `user` (and family members) for `event`: confirmed if the places fit, else waiting.

    Returns (registration, created). A second submission returns the existing registration unchanged.
    Each path below is one transaction; the first (an event without a place limit) hands over to the
    second, having written nothing, when it finds something only the locked path decides.
    """
    now = now or timezone.now()
    family = list(family)
    if event.capacity is None:
        try:
            done = _register_without_limit(event_id=event.pk, user=user, family=family, now=now)
        except IntegrityError:
            # The same person registered in a concurrent request (the unique constraint refused this
            # row, and rolled this attempt back): the locked path finds and returns their row.
            done = None
        if done is not None:
            return done
    return _register_under_lock(event_id=event.pk, user=user, family=family, now=now)


@transaction.atomic
def _register_without_limit(*, event_id: int, user, family: list[FamilyEntry], now) -> tuple[Registration, bool] | None:
    """No place limit: confirmed, under a shared lock. None hands over to the locked path (see there)."""
    event = _share_event(event_id)
    if event.capacity is not None:
        return None  # a limit was set since the caller read the event
    # This person's earlier row (to return or to re-use), or people still waiting (the limit was lifted and
    # the promotion has not run yet: they go first): both are decided under the exclusive lock.
    if _earlier_or_waiting.rows(event.pk, user.pk):
        return None
    _check_open(event, now)
    places = _check_family(event, family)
    registration = Registration(event=event, user=user)
    _fill(registration, user=user, places=places, position=None)
    registration.save()
    _add_family(registration, family)
    return registration, True


@transaction.atomic
def _register_under_lock(*, event_id: int, user, family: list[FamilyEntry], now) -> tuple[Registration, bool]:
    # The lock first, then (its own statement, so that it sees every registration committed before the lock
    # was granted) one aggregate read: places held, people waiting, the last waiting position, and whether
    # this person already has a row (the rare case, read again with its own lock below).
    locked = _event_for_update.rows(event_id)
    if not locked:
        raise Event.DoesNotExist
    return _register_locked(locked[0], user=user, family=family, now=now)


def _register_locked(event: Event, *, user, family: list[FamilyEntry], now) -> tuple[Registration, bool]:
    """The locked path's decision; the caller's transaction holds `event` FOR UPDATE.

    The common case is one statement: registration open, the group allowed, and no row of this person yet (the
    insert decides confirmed or waiting from the places held and the list, and writes nothing if the person
    has a row). Otherwise (or if it wrote nothing) the read below decides, in the order the person is answered
    in: their registration first, then why registration is refused."""
    if event.registration_state(now) == "open" and _group_allowed(event, family):
        places = 1 + len(family)
        registration = Registration(event=event, user=user)
        _fill(registration, user=user, places=places, position=None)
        if _insert_decided_by_places(registration, event.capacity, places, event.capacity, user.pk, event.pk):
            _add_family(registration, family)
            return registration, True
    return _register_locked_read(event, user=user, family=family, now=now)


def _group_allowed(event: Event, family: list[FamilyEntry]) -> bool:
    """_check_family would not refuse."""
    try:
        _check_family(event, family)
    except RegistrationError:
        return False
    return True


def _register_locked_read(event: Event, *, user, family: list[FamilyEntry], now) -> tuple[Registration, bool]:
    state = _registration_state.rows(event.pk, user.pk)[0]
    existing = None
    if state["mine"] is not None:
        existing = Registration.objects.select_for_update().get(pk=state["mine"])
        if existing.is_active:
            return existing, False
    _check_open(event, now)
    places = _check_family(event, family)
    fits = event.capacity is None or state["taken"] + places <= event.capacity
    confirmed = not state["waiting"] and fits
    registration = existing or Registration(event=event, user=user)
    _fill(registration, user=user, places=places, position=None if confirmed else (state["last"] or 0) + 1)
    registration.save()
    if existing is not None:
        registration.family.all().delete()
    _add_family(registration, family)
    return registration, True


def _promote(event: Event) -> list[Registration]:
    """Confirm waiting people in order while their places fit. Caller holds the event lock."""
    promoted: list[Registration] = []
    while True:
        first = (
            Registration.objects.select_for_update()
            .filter(event=event, status=RegistrationStatus.WAITING)
            .order_by("position")
            .first()
        )
        if first is None or not _fits(event, first.places):
            break
        first.status = RegistrationStatus.CONFIRMED
        first.position = None
        first.confirmed_at = timezone.now()
        first.save(update_fields=["status", "position", "confirmed_at"])
        promoted.append(first)
        _sms_after_commit(
            first.phone,
            _("A place has become free: you are now registered for %(title)s on %(when)s. Ticket code %(code)s.")
            % {
                "title": event.title,
                "when": timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M"),
                "code": first.ticket_code,
            },
        )
    return promoted


def _cancel(event: Event, current: Registration, *, by, now) -> list[Registration]:
    """Cancel the locked row `current` and promote into the place it held. Caller holds the event lock."""
    held_place = current.status == RegistrationStatus.CONFIRMED
    current.status = RegistrationStatus.CANCELLED
    current.position = None
    current.cancelled_at = now
    current.cancelled_by = by
    current.save(update_fields=["status", "position", "cancelled_at", "cancelled_by"])
    if held_place and event.status == EventStatus.PUBLISHED:
        return _promote(event)
    return []


@transaction.atomic
def registration_cancel(*, registration: Registration, by=None, now=None) -> list[Registration]:
    """Cancel a registration and promote the first people waiting. Returns whom it promoted.

    Cancelling twice (two taps, two tabs) cancels once and promotes once.
    """
    now = now or timezone.now()
    event = _lock_event(registration.event_id)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == RegistrationStatus.CANCELLED:
        return []
    if current.status == RegistrationStatus.ATTENDED:
        raise RegistrationError(_("You have already attended this event."))
    if by is not None and by.pk == current.user_id and now >= event.starts_at:
        raise RegistrationError(_("The event has started; it can no longer be cancelled."))
    promoted = _cancel(event, current, by=by, now=now)
    registration.status, registration.position = current.status, None
    return promoted


def organiser_cancel_refusal(*, registration: Registration, event: Event, now=None) -> str | None:
    """Why an organiser may not cancel this registration now, or None (an already cancelled one is no refusal:
    a second tap changes nothing). The service asks under the lock; the pages, to offer the button or say why not.

    Not once the event has started, as for the person themself: from then on the list is the record of who
    registered and who came (the outcome report's attendance rate), and a place freed during the event would
    text the next person waiting a place at an event already under way.
    """
    now = now or timezone.now()
    if event.status == EventStatus.CANCELLED:
        return _("This event has been cancelled.")
    if now >= event.starts_at:
        return _("The event has started; registrations can no longer be cancelled.")
    if registration.status == RegistrationStatus.ATTENDED:
        return _("This person has already been checked in.")
    return None


@transaction.atomic
def registration_cancel_by_organiser(
    *, registration: Registration, by, registered_at=None, now=None
) -> tuple[bool, list[Registration]]:
    """An organiser or the desk cancels someone's registration (they phoned to say they cannot come, or were
    registered twice). The freed place goes to the first people waiting, with their SMS, exactly as when the
    person cancels; the person is told by SMS that it was done for them. Returns (cancelled_now, promoted).

    A second tap finds the row cancelled and changes nothing. `registered_at` is the registration time the
    confirmation page showed: if the person has since cancelled and registered again, the row is a new
    registration nobody has looked at, and it is not cancelled.
    """
    now = now or timezone.now()
    event = _lock_event(registration.event_id)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == RegistrationStatus.CANCELLED:
        return False, []
    if registered_at is not None and current.created != registered_at:
        raise RegistrationError(_("This registration has changed since the page was opened: look at it again."))
    refusal = organiser_cancel_refusal(registration=current, event=event, now=now)
    if refusal:
        raise RegistrationError(refusal)
    promoted = _cancel(event, current, by=by, now=now)
    _sms_after_commit(
        current.phone,
        _(
            "Your registration for %(title)s on %(when)s has been cancelled by the organiser. "
            "If this is a mistake, please contact the drivers' home desk."
        )
        % {"title": event.title, "when": timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")},
    )
    registration.status, registration.position = current.status, None
    return True, promoted


def capacity_refusal(taken: int) -> str:
    """The capacity field's error, in the form and from the locked re-check: how many places are confirmed."""
    return ngettext(
        "%(n)d place is already confirmed: the event cannot have fewer places. "
        "To lower it, cancel registrations first.",
        "%(n)d places are already confirmed: the event cannot have fewer places. "
        "To lower it, cancel registrations first.",
        taken,
    ) % {"n": taken}


class CapacityError(RegistrationError):
    """An edit would leave the event fewer places than are already confirmed."""

    def __init__(self, taken: int):
        self.taken = taken
        super().__init__(capacity_refusal(taken))


def capacity_lowered_below_taken(*, event: Event, old_capacity: int | None, new_capacity: int | None) -> int | None:
    """The places held, if an edit from `old_capacity` to `new_capacity` lowers the limit below them; else None.

    Only a lowered (or newly set) limit is checked: an edit that keeps or raises the limit is never refused, even
    on an event that already holds more than its limit (as an edit before this rule could leave it).
    """
    if new_capacity is None or (old_capacity is not None and new_capacity >= old_capacity):
        return None
    taken = _taken(event)
    return taken if taken > new_capacity else None


@transaction.atomic
def event_update(*, event: Event) -> list[Registration]:
    """Save an organiser's edit of `event` (its new values set on it, not yet saved). Returns whom it promoted.

    The place limit may not fall below the places already confirmed: people who were told they have a place
    keep it (CapacityError; cancelling them is a decision per person, made with the organiser's cancel). The
    form says so first; this counts again under the event lock, where no registration can take a place between
    the count and the save. A raised or lifted limit promotes whoever now fits.
    """
    locked = _lock_event(event.pk)
    taken = capacity_lowered_below_taken(event=locked, old_capacity=locked.capacity, new_capacity=event.capacity)
    if taken is not None:
        raise CapacityError(taken)
    # The form edits no status: a publication or cancellation that ran since the form was read stays.
    event.status = locked.status
    event.save()
    if event.status == EventStatus.PUBLISHED and (
        event.capacity is None or (locked.capacity is not None and event.capacity > locked.capacity)
    ):
        return _promote(event)
    return []


@transaction.atomic
def registration_checkin(*, registration: Registration, by, now=None) -> tuple[Registration, bool]:
    """Check a confirmed person in at the door. Returns (registration, checked_in_now).

    A second scan (or a double tap) finds the row already attended and changes nothing.
    """
    now = now or timezone.now()
    current = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    if current.status == RegistrationStatus.ATTENDED:
        return current, False
    if current.event.status != EventStatus.PUBLISHED:
        raise RegistrationError(_("This event is not running."))
    if current.status == RegistrationStatus.CANCELLED:
        raise RegistrationError(_("This registration was cancelled."))
    if current.status == RegistrationStatus.WAITING:
        raise RegistrationError(_("This person is on the waiting list and has no place."))
    current.status = RegistrationStatus.ATTENDED
    current.checked_in_at = now
    current.checked_in_by = by
    current.save(update_fields=["status", "checked_in_at", "checked_in_by"])
    return current, True


@transaction.atomic
def walkin_create(*, event: Event, name: str, phone: str, by, token: uuid.UUID | None = None) -> Registration:
    """Someone turned up without registering: checked in if a place is free, else added to the waiting list.

    The form's one-time `token` makes a double submission return the first row.
    """
    if token is not None:
        found = Registration.objects.filter(submit_token=token).first()
        if found is not None:
            return found
    event = _lock_event(event.pk)
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationError(_("This event is not running."))
    now = timezone.now()
    registration = Registration(event=event, name=name, phone=phone, walk_in=True, created=now, submit_token=token)
    if not _has_waiting(event) and _fits(event, 1):
        registration.status = RegistrationStatus.ATTENDED
        registration.confirmed_at = now
        registration.checked_in_at = now
        registration.checked_in_by = by
    else:
        registration.status = RegistrationStatus.WAITING
        registration.position = _next_position(event)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        found = Registration.objects.filter(submit_token=token).first() if token else None
        if found is None:
            raise
        return found
    return registration


@transaction.atomic
def event_publish(*, event: Event) -> Event:
    locked = _lock_event(event.pk)
    if locked.status == EventStatus.DRAFT:
        locked.status = EventStatus.PUBLISHED
        locked.save(update_fields=["status", "updated"])
    return locked


@transaction.atomic
def event_cancel(*, event: Event, notify: bool = True) -> Event:
    """Cancel an event and tell everyone registered (once: a second cancel changes nothing)."""
    locked = _lock_event(event.pk)
    if locked.status == EventStatus.CANCELLED:
        return locked
    was_published = locked.status == EventStatus.PUBLISHED
    locked.status = EventStatus.CANCELLED
    locked.save(update_fields=["status", "updated"])
    if notify and was_published:
        body = _("%(title)s on %(when)s has been cancelled. We are sorry.") % {
            "title": locked.title,
            "when": timezone.localtime(locked.starts_at).strftime("%Y-%m-%d %H:%M"),
        }
        for phone in _phones(locked, include_waiting=True):
            _sms_after_commit(phone, body)
    return locked


def _phones(event: Event, *, include_waiting: bool) -> list[str]:
    statuses = [RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED]
    if include_waiting:
        statuses.append(RegistrationStatus.WAITING)
    phones = (
        Registration.objects.filter(event=event, status__in=statuses).exclude(phone="").values_list("phone", flat=True)
    )
    return sorted(set(phones))


@transaction.atomic
def broadcast_send(*, event: Event, body: str, by, include_waiting: bool, token: uuid.UUID | None) -> Broadcast:
    """Text every registrant of `event` once. A double-submitted form sends (and records) once."""
    if token is not None:
        found = Broadcast.objects.filter(submit_token=token).first()
        if found is not None:
            return found
    _lock_event(event.pk)
    phones = _phones(event, include_waiting=include_waiting)
    try:
        with transaction.atomic():
            broadcast = Broadcast.objects.create(
                event=event, body=body, recipients=len(phones), sent_by=by, submit_token=token
            )
    except IntegrityError:
        return Broadcast.objects.get(submit_token=token)
    for phone in phones:
        _sms_after_commit(phone, body)
    return broadcast


def reminders_send(*, now=None) -> int:
    """Text a reminder to everyone confirmed for an event starting tomorrow; once per registration.

    Each row is claimed with a conditional UPDATE before its text leaves, so two runs never both send.
    """
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    candidates = (
        Registration.objects.filter(
            event__status=EventStatus.PUBLISHED,
            event__starts_at__date=tomorrow,
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
        )
        .exclude(phone="")
        .select_related("event__site")
    )
    sent = 0
    for registration in candidates.iterator(chunk_size=500):
        claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(reminded_at=now)
        if not claimed:
            continue
        event = registration.event
        send_sms(
            registration.phone,
            _("Reminder: %(title)s tomorrow at %(when)s, %(venue)s. Show ticket %(code)s at the door.")
            % {
                "title": event.title,
                "when": timezone.localtime(event.starts_at).strftime("%H:%M"),
                "venue": event.venue,
                "code": registration.ticket_code,
            },
        )
        sent += 1
    return sent
