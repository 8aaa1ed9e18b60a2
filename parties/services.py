"""Workflows of the party organisation that write several rows: all or nothing, in one transaction."""

from __future__ import annotations

from django.db import transaction

from parties.imports import members_defaults
from parties.models import Enterprise, EnterpriseKind, Member


@transaction.atomic
def enterprises_import(*, park, rows: list[dict]) -> int:
    """Create the checked rows (`parties.imports.check_enterprises`): platforms first, then their tenants."""

    def build(row: dict, platform=None) -> Enterprise:
        return Enterprise(
            park=park,
            name=row["name"],
            kind=row["kind"],
            platform=platform,
            category=row["category"] or None,
            staff_count=row["staff_count"] or 0,
            member_count=row["member_count"] or 0,
            coverage=row["coverage"],
            organisation=row["organisation"] or None,
            no_coverage_reason=row["no_coverage_reason"] or "",
            coverage_planned=row["coverage_planned"],
            credit_code=row["credit_code"] or "",
            address=row["address"] or "",
        )

    platforms = [build(row) for row in rows if row["kind"] == EnterpriseKind.PLATFORM]
    created = {e.name: e for e in Enterprise.objects.bulk_create(platforms)}
    secondary = []
    for row in rows:
        if row["kind"] != EnterpriseKind.SECONDARY:
            continue
        platform = row.get("platform_existing") or created.get(row["platform"])
        secondary.append(build(row, platform=platform))
    Enterprise.objects.bulk_create(secondary, batch_size=1000)
    return len(platforms) + len(secondary)


@transaction.atomic
def members_import(*, park, rows: list[dict]) -> int:
    """Create the checked rows (`parties.imports.check_members`)."""
    members = [Member(park=park, **members_defaults(row)) for row in rows]
    Member.objects.bulk_create(members, batch_size=1000)
    return len(members)
