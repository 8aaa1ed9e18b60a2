"""Members per (organisation, member's park), kept by triggers on parties_member (see parties.models.MemberCount).

The triggers live in the database so that every write path keeps the counts: the services, the imports'
bulk_create, the admin, QuerySet.update() and delete(), which send no signals. They count what the tree and the
reminders counted with a GROUP BY: full (not floating, status full), local (not floating) and floating members.

- PostgreSQL: statement triggers with transition tables. One statement (a bulk import of 1,000 members, a
  bulk move) applies one grouped delta per (organisation, park), in key order, so two statements lock the
  counter rows they share in the same order (PG_FUNCTION: how concurrent first members of an organisation
  neither fail nor lose a count).
- SQLite has row triggers only; it runs one writer at a time, so there is nothing to order.

A negative count would break the columns' CHECK (>= 0): a counter out of step fails the write loudly instead of
showing a wrong figure.

The triggers are created before the backfill, in the migration's transaction: on PostgreSQL, CREATE TRIGGER
locks parties_member against writes until the migration commits, so no member written meanwhile is missed or
counted twice.

SQLite caveat: Django's SQLite schema editor rebuilds a table (copy, drop, rename) for many ALTERs, and dropping
the table drops its triggers. tests/parties/test_member_counts.py checks that they exist after all migrations; a
later migration that rebuilds parties_member on SQLite must create them again (`create_triggers` below).
"""

import django.db.models.deletion
from django.db import migrations, models

COUNTS_PG = """
    COUNT(*) FILTER (WHERE NOT is_floating AND status = 'full') AS f,
    COUNT(*) FILTER (WHERE NOT is_floating) AS l,
    COUNT(*) FILTER (WHERE is_floating) AS fl
"""

# The delta of an UPDATE: each updated row counted -1 as it was and +1 as it is; unchanged groups cancel out.
UPDATE_DELTA_PG = """
    SELECT organisation_id, park_id, SUM(n * f) AS f, SUM(n * l) AS l, SUM(n * fl) AS fl
    FROM (
        SELECT organisation_id, park_id, 1 AS n, (NOT is_floating AND status = 'full')::int AS f,
               (NOT is_floating)::int AS l, is_floating::int AS fl
        FROM new_rows
        UNION ALL
        SELECT organisation_id, park_id, -1, (NOT is_floating AND status = 'full')::int,
               (NOT is_floating)::int, is_floating::int
        FROM old_rows
    ) d
    GROUP BY organisation_id, park_id
    HAVING SUM(n * f) <> 0 OR SUM(n * l) <> 0 OR SUM(n * fl) <> 0
    ORDER BY organisation_id, park_id
"""

PG_DELTAS = {
    "insert": f"SELECT organisation_id, park_id, {COUNTS_PG} FROM new_rows "
    "GROUP BY organisation_id, park_id ORDER BY organisation_id, park_id",
    "delete": f"SELECT organisation_id, park_id, {COUNTS_PG.replace('COUNT', '-COUNT')} FROM old_rows "
    "GROUP BY organisation_id, park_id ORDER BY organisation_id, park_id",
    "update": UPDATE_DELTA_PG,
}

# Per (organisation, park) of the statement, in key order: make sure the row exists, then add the delta.
# Not one INSERT … ON CONFLICT DO UPDATE with the delta as the proposed row: PostgreSQL checks the proposed row
# against the CHECK (>= 0) before it looks for the conflict, so a negative delta (a delete, a move) would fail.
# ON CONFLICT DO NOTHING waits for a concurrent first insert of the same key to commit; the UPDATE then adds to
# the committed value (READ COMMITTED re-reads a row it waited for): no count is lost.
PG_FUNCTION = """
CREATE FUNCTION parties_member_counts_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    FOR d IN {delta} LOOP
        INSERT INTO parties_membercount (organisation_id, park_id, full_members, local_members, floating_members)
            VALUES (d.organisation_id, d.park_id, 0, 0, 0)
            ON CONFLICT (organisation_id, park_id) DO NOTHING;
        UPDATE parties_membercount SET
            full_members = full_members + d.f,
            local_members = local_members + d.l,
            floating_members = floating_members + d.fl
            WHERE organisation_id = d.organisation_id AND park_id = d.park_id;
    END LOOP;
    RETURN NULL;
END
$$
"""

PG_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def pg_create() -> list[str]:
    statements = []
    for op, delta in PG_DELTAS.items():
        statements.append(PG_FUNCTION.format(op=op, delta=delta))
        statements.append(
            f"CREATE TRIGGER parties_member_counts_{op} AFTER {op.upper()} ON parties_member "
            f"REFERENCING {PG_REFERENCING[op]} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION parties_member_counts_{op}()"
        )
    return statements


def pg_drop() -> list[str]:
    return [
        sql
        for op in PG_DELTAS
        for sql in (
            f"DROP TRIGGER IF EXISTS parties_member_counts_{op} ON parties_member",
            f"DROP FUNCTION IF EXISTS parties_member_counts_{op}()",
        )
    ]


def _sqlite_add(row: str, sign: str) -> str:
    """SQLite: make sure the counter row of `row` (NEW or OLD) exists, then add `sign` 1 to its counts.

    A subtraction never creates the row: it exists since the member was counted in, unless the counters were
    emptied first (a test database's flush deletes table by table in no fixed order), and a new row would
    then go below zero."""
    insert = (
        f"""
    INSERT INTO parties_membercount (organisation_id, park_id, full_members, local_members, floating_members)
        VALUES ({row}.organisation_id, {row}.park_id, 0, 0, 0)
        ON CONFLICT (organisation_id, park_id) DO NOTHING;"""
        if sign == "+"
        else ""
    )
    return f"""{insert}
    UPDATE parties_membercount SET
        full_members = full_members {sign} (NOT {row}.is_floating AND {row}.status = 'full'),
        local_members = local_members {sign} (NOT {row}.is_floating),
        floating_members = floating_members {sign} ({row}.is_floating <> 0)
        WHERE organisation_id = {row}.organisation_id AND park_id = {row}.park_id;"""


SQLITE_CREATE = [
    f"CREATE TRIGGER parties_member_counts_insert AFTER INSERT ON parties_member BEGIN {_sqlite_add('NEW', '+')}\nEND",
    f"CREATE TRIGGER parties_member_counts_delete AFTER DELETE ON parties_member BEGIN {_sqlite_add('OLD', '-')}\nEND",
    "CREATE TRIGGER parties_member_counts_update AFTER UPDATE OF organisation_id, park_id, is_floating, status "
    "ON parties_member WHEN OLD.organisation_id IS NOT NEW.organisation_id OR OLD.park_id IS NOT NEW.park_id "
    "OR OLD.is_floating IS NOT NEW.is_floating OR OLD.status IS NOT NEW.status "
    f"BEGIN {_sqlite_add('OLD', '-')}{_sqlite_add('NEW', '+')}\nEND",
]

SQLITE_DROP = [f"DROP TRIGGER IF EXISTS parties_member_counts_{op}" for op in ("insert", "delete", "update")]

# Portable: booleans are 0/1 integers on SQLite, and NOT works on both.
BACKFILL = """
INSERT INTO parties_membercount (organisation_id, park_id, full_members, local_members, floating_members)
SELECT organisation_id, park_id,
       SUM(CASE WHEN NOT is_floating AND status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT is_floating THEN 1 ELSE 0 END),
       SUM(CASE WHEN is_floating THEN 1 ELSE 0 END)
FROM parties_member
GROUP BY organisation_id, park_id
"""


def create_triggers(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = pg_create()
    elif vendor == "sqlite":
        statements = SQLITE_CREATE
    else:
        raise NotImplementedError(f"member count triggers for {vendor}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    create_triggers(schema_editor)
    schema_editor.execute(BACKFILL, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in pg_drop() if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0001_initial"),
        ("parties", "0007_open_problem_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("full_members", models.PositiveIntegerField(default=0)),
                ("local_members", models.PositiveIntegerField(default=0)),
                ("floating_members", models.PositiveIntegerField(default=0)),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="member_counts",
                        to="parties.organisation",
                    ),
                ),
                (
                    "park",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="parkportal.park",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organisation", "park"), name="membercount_unique_org_park")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
