"""Generation triggers on the tables the home dashboard reads (parkportal/generations.py): its cached figures
are keyed on their generations."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("mediation", "0001_initial"),
    ]

    operations = [generations.track("mediation_case", "mediation_mediationbody", "mediation_mediationbody_mediators")]
