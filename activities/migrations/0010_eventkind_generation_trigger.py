"""A generation trigger on the event kinds (parkportal/generations.py): the event list keeps the park's kinds per
process under their generation, which the list's own statement reads."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_slimmer_indexes"),
    ]

    operations = [generations.track("activities_eventkind")]
