"""Mediation URLs in the URL x role matrix (format: tests/matrix.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from mediation.models import Agreement, Attachment, BodyKind, Instalment, MediationBody
from parkportal.roles import Role
from tests.conftest import make_user
from tests.matrix import Case, Foreign
from tests.mediation.conftest import make_case

CASE_ROLES = {"anonymous": 302, "mediator": 200, "park_admin": 200, "default": 403}
STATS_ROLES = {"anonymous": 302, "mediator": 200, "park_admin": 200, "secretary": 200, "default": 403}
POST_ROLES = {"anonymous": 302, "mediator": 302, "park_admin": 302, "default": 403}


def build(world: dict) -> None:
    park = world["park"]
    tree = world["tree"]
    users = world["users"]
    room = MediationBody.objects.create(park=park, name="商友之家", kind=BodyKind.ROOM)
    room.mediators.add(users["mediator"])
    committee = MediationBody.objects.create(
        park=park, name="云集药业劳动争议调解委员会", kind=BodyKind.COMMITTEE, enterprise=tree["e2"]
    )
    other_mediator = make_user("matrix-other-mediator", Role.MEDIATOR, park)
    committee.mediators.add(other_mediator)
    world["mediation_room"] = room
    world["mediation_case"] = make_case(room, respondent_enterprise=tree["e1"], respondent_name="")
    world["mediation_foreign_case"] = make_case(committee)  # another body: 404 for users["mediator"]
    world["mediation_move_case"] = make_case(room, status="in_mediation")
    agreed = make_case(room, status="agreement", outcome="agreement")
    agreement = Agreement.objects.create(
        case=agreed,
        facts_in_dispute="欠薪",
        terms="支付",
        performance="转账",
        mediator=users["mediator"],
        perform_by=timezone.localdate() + timedelta(days=10),
        amount=Decimal("1000"),
        signed_on=timezone.localdate(),
    )
    world["mediation_agreed_case"] = agreed
    world["mediation_instalment"] = Instalment.objects.create(
        agreement=agreement, amount=Decimal("500"), due_on=timezone.localdate()
    )
    world["mediation_overdue_case"] = make_case(room, status="in_mediation", days_ago=20)
    attachment = Attachment(case=world["mediation_case"], kind="pdf", name="合同.pdf")
    attachment.file.save("contract.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    attachment.save()
    world["mediation_attachment"] = attachment


def grow(world: dict, n: int) -> None:
    for i in range(n):
        make_case(world["mediation_room"], days_ago=i % 25, applicants=1 + i % 3)


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES = {
    # The session with its user, the generation of the list's tables (mediation.views.CASE_LIST_TABLES), then on a
    # cache miss (the budget test clears the cache) bodies (filter), count, cases (7 columns), applicants. Cached: 2.
    "mediation:case_list": Case(expect=CASE_ROLES, budget=("mediator", 6)),
    # The session with its user, the active mediation bodies twice: the select's options, and its first option for
    # Django's `required` check (the field has no blank choice).
    "mediation:case_create": Case(expect=CASE_ROLES, budget=("mediator", 3)),
    # The session with its user, case (+ body, respondent); the opening written in one transaction (BEGIN, history
    # event, access log, COMMIT); applicants, sessions, attachments, history, agreement
    "mediation:case_detail": Case(kwargs=_pk("mediation_case"), expect=CASE_ROLES, budget=("mediator", 11)),
    "mediation:case_move": Case(
        kwargs=lambda w: {"pk": w["mediation_move_case"].pk, "action": "no_agreement"},
        method="post",
        data=lambda w: {"version": w["mediation_move_case"].version},
        expect=POST_ROLES,
        # Counted: the warm-up's move sent again, now with a stale version. The session with its user, case;
        # (savepoint) the case locked, the version found stale (rolled back).
        budget=("mediator", 6),
    ),
    "mediation:case_decline": Case(
        kwargs=_pk("mediation_move_case"),
        method="post",
        data=lambda w: {"version": 0, "reason": "x"},
        expect=POST_ROLES,
        # A stale version: the session with its user, case; (savepoint) the case locked, refused (rolled back).
        budget=("mediator", 6),
    ),
    # An incomplete form, refused before any write: the session with its user, case.
    "mediation:session_add": Case(
        kwargs=_pk("mediation_move_case"),
        method="post",
        data=lambda w: {"version": 0},
        expect=POST_ROLES,
        budget=("mediator", 2),
    ),
    # An incomplete form, refused before any write: the session with its user, case.
    "mediation:agreement_add": Case(
        kwargs=_pk("mediation_move_case"),
        method="post",
        data=lambda w: {"version": 0},
        expect=POST_ROLES,
        budget=("mediator", 2),
    ),
    # The session with its user, case; applicants, sessions, attachments, history, agreement, instalments; the
    # printing written to the history (savepoint, insert, release).
    "mediation:agreement_print": Case(kwargs=_pk("mediation_agreed_case"), expect=CASE_ROLES, budget=("mediator", 11)),
    # An instalment without a due date: the session with its user, case; (savepoint) the model's check constraint
    # validated by a query, refused (release).
    "mediation:instalment_add": Case(
        kwargs=_pk("mediation_agreed_case"),
        method="post",
        data=lambda w: {"amount": "1"},
        expect=POST_ROLES,
        budget=("mediator", 5),
    ),
    "mediation:instalment_pay": Case(
        kwargs=lambda w: {"pk": w["mediation_agreed_case"].pk, "instalment_pk": w["mediation_instalment"].pk},
        method="post",
        data=lambda w: {"paid_on": "bad"},
        expect=POST_ROLES,
        # A date that is not one: the session with its user, case, instalment.
        budget=("mediator", 3),
    ),
    # The session with its user, case; applicants, sessions, attachments, history; the notice's printing written
    # to the history (savepoint, insert, release).
    "mediation:arbitration_notice": Case(
        kwargs=_pk("mediation_overdue_case"), expect=CASE_ROLES, budget=("mediator", 9)
    ),
    # The session with its user, case, attachment.
    "mediation:attachment": Case(
        kwargs=lambda w: {"pk": w["mediation_case"].pk, "attachment_pk": w["mediation_attachment"].pk},
        expect=CASE_ROLES,
        budget=("mediator", 3),
    ),
    # The session with its user, count, page of bodies, their mediators, the enterprises' committee coverage.
    "mediation:body_list": Case(expect=CASE_ROLES, budget=("park_admin", 5)),
    # The session with its user, the admin's park, the form's choices: enterprises, mediators.
    "mediation:body_create": Case(
        expect={"anonymous": 302, "park_admin": 200, "default": 403}, budget=("park_admin", 4)
    ),
    # The session with its user, body, its park, its mediators (the form's initial), the form's choices:
    # enterprises, mediators.
    "mediation:body_edit": Case(
        kwargs=_pk("mediation_room"),
        expect={"anonymous": 302, "park_admin": 200, "default": 403},
        budget=("park_admin", 6),
    ),
    # The session with its user, the generation of the figures' tables (mediation.views.STATISTICS_TABLES), then on
    # a cache miss (the budget test clears the cache) the figures' one statement (stats.PAGE_SQL: counts, tables,
    # histogram, money, body names); elsewhere than on PostgreSQL the grouped path: groups, payments, histogram.
    # A cached visit stops after the generation: 2.
    "mediation:statistics": Case(
        expect=STATS_ROLES, budget=("park_admin", 3 if connection.vendor == "postgresql" else 5)
    ),
    # The session with its user, the year's groups with every count, payments per group (the export's rows), the
    # closed cases' histogram (only when there are some: none in this world, so 3 here).
    "mediation:statistics_export": Case(expect=STATS_ROLES, budget=("mediator", 4)),
}

# Objects of another scope, answering 404 (run by tests/test_url_matrix.py).
FOREIGN = {
    "a case of another mediation body": Foreign("mediator", "mediation:case_detail", _pk("mediation_foreign_case")),
}
