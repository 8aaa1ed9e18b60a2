"""Foreign keys without an index of their own where another index leads with the column (they serve every
look-up by it): fewer indexes to write per insert. Only the indexes are dropped (Django's AlterField would also
drop and re-validate each foreign key constraint over the whole table).
Who cancelled and who checked in get partial indexes (the rows with one); the ticket code one unique index
(not also the pattern-matching one unique=True adds on PostgreSQL). SQLite rebuilds the table for the ticket code
and drops its triggers with it: the generation trigger is made again last."""

import activities.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from parkportal import generations


def _retrigger(apps, schema_editor):
    generations.install(schema_editor, ["activities_registration"])


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_generation_triggers"),
        ("parkportal", "0003_generation_once_per_batch"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # (Unapplied, the operations run backwards: this one last, after SQLite's rebuilds.)
        migrations.RunPython(migrations.RunPython.noop, _retrigger, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="registration",
                    name="cancelled_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="checked_in_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="event",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="registrations",
                        to="activities.event",
                        verbose_name="event",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "activities_registration_cancelled_by_id_7554e756"',
                    'CREATE INDEX "activities_registration_cancelled_by_id_7554e756" ON "activities_registration" ("cancelled_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "activities_registration_checked_in_by_id_2b6fed38"',
                    'CREATE INDEX "activities_registration_checked_in_by_id_2b6fed38" ON "activities_registration" ("checked_in_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "activities_registration_event_id_9ad9eab2"',
                    'CREATE INDEX "activities_registration_event_id_9ad9eab2" ON "activities_registration" ("event_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="registration",
            name="ticket_code",
            field=models.CharField(default=activities.models.new_ticket_code, editable=False, max_length=20),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                condition=models.Q(("cancelled_by__isnull", False)),
                fields=["cancelled_by"],
                name="registration_cancelled_by_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(
                condition=models.Q(("checked_in_by__isnull", False)),
                fields=["checked_in_by"],
                name="registration_checked_in_by_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(fields=("ticket_code",), name="registration_ticket_code"),
        ),
        migrations.RunPython(_retrigger, migrations.RunPython.noop, elidable=False),
    ]
