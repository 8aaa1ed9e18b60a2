"""SQLite only: the member-count triggers again, their subtraction no longer creating a counter row (0008's
_sqlite_add). A test database's flush that emptied the counters before the members failed on their CHECK."""

import importlib

from django.db import migrations

counts = importlib.import_module("parties.migrations.0008_member_counts")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in counts.SQLITE_DROP + counts.SQLITE_CREATE:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("parties", "0010_list_generation_triggers")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
