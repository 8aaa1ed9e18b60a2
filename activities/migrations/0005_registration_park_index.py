"""Registration.park, step 2: NOT NULL, the dashboard's index on (park, created), and on PostgreSQL a foreign key
(event, park) -> event (id, park), so that a registration's park can only be its event's, and follows the event
if it is ever moved to another park (ON UPDATE CASCADE). Deferred like Django's own foreign keys."""

import django.db.models.deletion
from django.db import migrations, models

FK_SQL = (
    "ALTER TABLE activities_registration ADD CONSTRAINT registration_park_is_events "
    "FOREIGN KEY (event_id, park_id) REFERENCES activities_event (id, park_id) "
    "ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED"
)


def add_fk(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FK_SQL)


def drop_fk(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE activities_registration DROP CONSTRAINT registration_park_is_events")


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0004_registration_park"),
        ("parkportal", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="registration",
            name="registration_created_cov",
        ),
        migrations.AlterField(
            model_name="registration",
            name="park",
            field=models.ForeignKey(
                db_constraint=False, db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="parkportal.park",
                verbose_name="park",
            ),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["park", "created"], include=("status",), name="registration_park_created"),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("id", "park"), name="event_id_park"),
        ),
        migrations.RunPython(add_fk, drop_fk),
    ]
