"""Foreign keys without an index of their own where another index leads with the column (they serve every
look-up by it): fewer indexes to write per insert. Only the indexes are dropped (Django's AlterField would also
drop and re-validate each foreign key constraint over the whole table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("drivers_home", "0006_service_generation_trigger"),
        ("parkportal", "0003_generation_once_per_batch"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="checkin",
                    name="driver",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="checkins",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="driver",
                    ),
                ),
                migrations.AlterField(
                    model_name="checkin",
                    name="site",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="checkins",
                        to="drivers_home.site",
                        verbose_name="site",
                    ),
                ),
                migrations.AlterField(
                    model_name="dailystat",
                    name="site",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="daily_stats",
                        to="drivers_home.site",
                    ),
                ),
                migrations.AlterField(
                    model_name="driveryear",
                    name="park",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="parkportal.park",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "drivers_home_checkin_driver_id_dcd09825"',
                    'CREATE INDEX "drivers_home_checkin_driver_id_dcd09825" ON "drivers_home_checkin" ("driver_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "drivers_home_checkin_site_id_bb1b7942"',
                    'CREATE INDEX "drivers_home_checkin_site_id_bb1b7942" ON "drivers_home_checkin" ("site_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "drivers_home_dailystat_site_id_90193f8c"',
                    'CREATE INDEX "drivers_home_dailystat_site_id_90193f8c" ON "drivers_home_dailystat" ("site_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "drivers_home_driveryear_park_id_126576d1"',
                    'CREATE INDEX "drivers_home_driveryear_park_id_126576d1" ON "drivers_home_driveryear" ("park_id")',
                ),
            ],
        ),
    ]
