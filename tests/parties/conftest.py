"""Helpers for the party organisation's tests: growing the shared `tree` world by n rows."""

from __future__ import annotations

from datetime import date

import pytest

from parties.models import (
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
)


def grow(tree: dict, n: int, tag: str = "x") -> None:
    """Add n branches, n secondary enterprises and n members under 社区一 (inside sam's subtree)."""
    park = tree["root"].park
    for i in range(n):
        Organisation.objects.create(
            park=park,
            parent=tree["c1"],
            name=f"{tag}支部{i}",
            kind=OrganisationKind.BRANCH,
            term_end=date(2030, 1, 1),
            last_activity=date(2026, 1, 1),
        )
    Enterprise.objects.bulk_create(
        Enterprise(
            park=park,
            name=f"{tag}入驻企业{i}",
            kind=EnterpriseKind.SECONDARY,
            platform=tree["e1"],
            category=tree["category"],
            member_count=i % 5,
            coverage=[CoverageStatus.JOINT, CoverageStatus.NONE, CoverageStatus.INSTRUCTOR][i % 3],
            organisation=tree["b1"] if i % 3 == 0 else None,
            instructor=tree["ins1"],
            no_coverage_reason="人数不足" if i % 3 == 1 else "",
        )
        for i in range(n)
    )
    Member.objects.bulk_create(
        Member(
            park=park,
            organisation=tree["b1"],
            enterprise=tree["e1"],
            name=f"{tag}党员{i}",
            phone=f"138{i:08d}",
            status=MemberStatus.FULL if i % 4 else MemberStatus.PROBATIONARY,
            admitted=date(2000 + i % 20, 1 + i % 12, 1),
            is_floating=i % 5 == 0,
            home_organisation="四川省南充市某党支部" if i % 5 == 0 else "",
            last_activity=date(2025, 1 + i % 12, 1),
        )
        for i in range(n)
    )


@pytest.fixture
def grow_tree(tree):
    def _grow(n: int, tag: str = "x") -> None:
        grow(tree, n, tag)

    return _grow


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The personas are created per test; PBKDF2's deliberate slowness would dominate these tests' time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
