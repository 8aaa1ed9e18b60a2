"""Registration.park, step 1: the column, nullable, filled from each registration's event.

Its own migration, so its own transaction: PostgreSQL refuses an ALTER TABLE while the same transaction has
deferred trigger events pending on the table, which an UPDATE of all its rows can leave.

No foreign-key constraint of its own: the (event, park) key of step 2 implies it (see Registration.park)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_park(apps, schema_editor):
    Event = apps.get_model("activities", "Event")
    Registration = apps.get_model("activities", "Registration")
    Registration.objects.filter(park__isnull=True).update(
        park_id=Subquery(Event.objects.filter(pk=OuterRef("event_id")).values("park_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_registration_created_covering"),
        ("parkportal", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="park",
            field=models.ForeignKey(
                db_constraint=False, db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="parkportal.park",
                verbose_name="park",
            ),
        ),
        migrations.RunPython(fill_park, migrations.RunPython.noop),
    ]
