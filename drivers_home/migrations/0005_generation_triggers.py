"""Generation triggers on the tables the home dashboard reads (parkportal/generations.py): its cached figures
are keyed on their generations."""

from django.db import migrations

from parkportal import generations


class Migration(migrations.Migration):
    dependencies = [
        ("parkportal", "0002_generation"),
        ("drivers_home", "0004_driver_year_epoch"),
    ]

    operations = [
        generations.track(
            "drivers_home_dailystat",
            "drivers_home_driverprofile",
            "drivers_home_floatingmemberrequest",
            "drivers_home_site",
            "drivers_home_site_desk_staff",
        )
    ]
