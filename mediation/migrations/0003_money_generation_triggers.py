"""Generation triggers on the money tables (parkportal/generations.py): the statistics page's figures, which sum
agreements and paid instalments, are cached under the generations of every table they read
(mediation.views.STATISTICS_TABLES)."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("mediation", "0002_generation_triggers"),
    ]

    operations = [generations.track("mediation_agreement", "mediation_instalment")]
