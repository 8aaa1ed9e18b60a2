"""A generation trigger on the services (parkportal/generations.py): the traffic page keeps its content under the
generation of the tables its names come from, sites and services (drivers_home.stats.NAME_TABLES)."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [("drivers_home", "0005_generation_triggers")]

    operations = [generations.track("drivers_home_service")]
