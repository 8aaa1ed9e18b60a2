"""Indexes for the party pages at large-park size (issue 7, docs/PERFORMANCE.md).

Numbered 0003 and depending on 0001_initial only: another branch adds a parties 0002; the lead merges both
with a merge migration.
"""

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["park", "coverage", "member_count"], name="enterprise_coverage_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["park", "is_floating"], name="member_park_floating_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["organisation", "is_floating", "status"], name="member_org_counts_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["park", "name", "id"], name="member_park_name_idx"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                models.F("park"), django.db.models.functions.datetime.ExtractMonth("admitted"), name="member_birthday_idx"
            ),
        ),
    ]
