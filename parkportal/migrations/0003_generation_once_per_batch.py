"""The generation function bumps a table once per batch of trigger firings (parkportal/generations.py).

Its first version bumped once per written row, which PostgreSQL does in quadratic time within one transaction:
a bulk import or the large park's seed did not commit in reasonable time."""

from django.db import migrations

from parkportal import generations

PER_ROW = f"""
CREATE OR REPLACE FUNCTION {generations.FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {generations.TABLE} (table_name, n) VALUES (TG_TABLE_NAME, 1)
        ON CONFLICT (table_name) DO UPDATE SET n = {generations.TABLE}.n + 1;
    RETURN NULL;
END
$$;
"""


def once_per_batch(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(generations.PG_FUNCTION, params=None)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PER_ROW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
    ]

    operations = [
        migrations.RunPython(once_per_batch, per_row, elidable=False),
    ]
