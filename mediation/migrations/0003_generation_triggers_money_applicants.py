"""Generation triggers on the money tables and the applicants (parkportal/generations.py): the statistics page's
figures, which sum agreements and paid instalments, and the case list's rows, which show the applicants, are cached
under the generations of every table they read (mediation.views.STATISTICS_TABLES, CASE_LIST_TABLES)."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("mediation", "0002_generation_triggers"),
    ]

    operations = [generations.track("mediation_agreement", "mediation_applicant", "mediation_instalment")]
