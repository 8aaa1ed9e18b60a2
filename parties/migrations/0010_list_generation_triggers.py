"""Generation triggers on the two parties tables the office lists read that 0009 left out (parkportal/generations.py):
the category filter's options read the categories, the reminders the member counters (parkportal/querycache.py)."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0009_generation_triggers"),
    ]

    operations = [generations.track("parties_category", "parties_membercount")]
