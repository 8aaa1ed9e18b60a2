"""Generation triggers on the tables the home dashboard reads (parkportal/generations.py): its cached figures
are keyed on their generations."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("parties", "0008_member_counts"),
    ]

    operations = [
        generations.track(
            "parties_enterprise",
            "parties_instructor",
            "parties_member",
            "parties_organisation",
            "parties_visit",
            "parties_visitproblem",
        )
    ]
