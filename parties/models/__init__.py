from parties.models.organisation import (
    Category,
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    Instructor,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    VanguardPost,
)

__all__ = [
    "Category",
    "CoverageStatus",
    "Enterprise",
    "EnterpriseKind",
    "Instructor",
    "Member",
    "MemberStatus",
    "Organisation",
    "OrganisationKind",
    "VanguardPost",
]
