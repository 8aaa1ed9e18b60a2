"""Generation triggers on the tables the home dashboard reads (parkportal/generations.py): its cached figures
are keyed on their generations."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("activities", "0007_registration_cancelled_by"),
    ]

    operations = [generations.track("activities_event", "activities_registration")]
