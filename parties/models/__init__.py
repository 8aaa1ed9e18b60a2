from parties.models.organisation import (
    Category,
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    Instructor,
    Member,
    MemberCount,
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
    "MemberCount",
    "MemberStatus",
    "Organisation",
    "OrganisationKind",
    "VanguardPost",
]
from parties.models.visits import ProblemState, Visit, VisitKind, VisitPhoto, VisitProblem, VisitRevision  # noqa: E402,F401
