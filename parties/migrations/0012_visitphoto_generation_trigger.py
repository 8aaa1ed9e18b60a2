"""A generation trigger on visit photos (parkportal/generations.py): an instructor's visits list, kept per process
under the generations of its tables, shows each visit's photo count."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0003_generation_once_per_batch"),
        ("parties", "0011_member_counts_sqlite_subtract"),
    ]

    operations = [generations.track("parties_visitphoto")]
