"""Excel imports of enterprises and members: columns, cell parsers and the cross-row checks.

`parkportal.excel.read_rows` parses the sheet and reports bad cells; `check_*` below then resolves names
(categories, organisations, platforms) against what the importing user may see and reports every bad row
and column. Nothing is saved here: `parties.services` saves all rows in one transaction, or none.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from parkportal.excel import ImportCellError, ImportColumn, ImportReport, read_rows
from parkportal.validators import normalize_mobile, validate_mobile
from parties.models import (
    Category,
    CoverageStatus,
    Enterprise,
    EnterpriseKind,
    MemberStatus,
    Organisation,
)

TRUE_WORDS = {"yes", "y", "true", "1", "是", "√", "✓"}
FALSE_WORDS = {"no", "n", "false", "0", "否"}
MAX_ERRORS_SHOWN = 200


def text(max_length: int):
    def parse(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        if len(value) > max_length:
            raise ImportCellError(_("At most %(n)d characters.") % {"n": max_length})
        return value

    return parse


def whole_number(value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ImportCellError(_("Enter a whole number.")) from None
    if not number.is_integer() or number < 0 or number > 10_000_000:
        raise ImportCellError(_("Enter a whole number of 0 or more."))
    return int(number)


def a_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImportCellError(_("Enter a date as YYYY-MM-DD, e.g. 2024-07-01.")) from None


def yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImportCellError(_("Enter yes or no."))


def mobile(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = normalize_mobile(str(value))
    try:
        validate_mobile(number)
    except ValidationError as exc:
        raise ImportCellError(exc.messages[0]) from None
    return number


# The words the committee's own spreadsheets use (seed 000), whatever the portal's wording.
ALIASES = {
    "单独建立": CoverageStatus.OWN,
    "单建": CoverageStatus.OWN,
    "联合建立": CoverageStatus.JOINT,
    "联建": CoverageStatus.JOINT,
    "覆盖": CoverageStatus.INSTRUCTOR,
    "指导员覆盖": CoverageStatus.INSTRUCTOR,
    "未覆盖": CoverageStatus.NONE,
    "平台企业": EnterpriseKind.PLATFORM,
    "二次招商企业": EnterpriseKind.SECONDARY,
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
}


def choice(choices):
    """Accepts the stored value or its label in English or Chinese, whatever the user's language."""
    values = {str(value) for value, _label in choices}
    lookup: dict[str, str] = {alias: value for alias, value in ALIASES.items() if value in values}
    for value, label in choices:
        lookup[str(value).lower()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = value

    def parse(raw: Any) -> str:
        key = str(raw).strip().lower()
        if key not in lookup:
            labels = ", ".join(str(label) for _, label in choices)
            raise ImportCellError(_("Choose one of: %(labels)s.") % {"labels": labels})
        return lookup[key]

    return parse


# --- Columns (headers in the user's language; the template is downloaded in the same language).


def enterprise_columns() -> list[ImportColumn]:
    return [
        ImportColumn(_("Name"), "name", text(120)),
        ImportColumn(_("Kind"), "kind", choice(EnterpriseKind.choices)),
        ImportColumn(_("Platform enterprise"), "platform", text(120), required=False),
        ImportColumn(_("Category"), "category", text(40), required=False),
        ImportColumn(_("Staff"), "staff_count", whole_number, required=False),
        ImportColumn(_("Party members"), "member_count", whole_number, required=False),
        ImportColumn(_("Coverage"), "coverage", choice(CoverageStatus.choices)),
        ImportColumn(_("Party organisation"), "organisation", text(120), required=False),
        ImportColumn(_("Reason not covered"), "no_coverage_reason", text(200), required=False),
        ImportColumn(_("Coverage planned by"), "coverage_planned", a_date, required=False),
        ImportColumn(_("Unified social credit code"), "credit_code", text(18), required=False),
        ImportColumn(_("Address"), "address", text(200), required=False),
    ]


def enterprise_example() -> list:
    return [
        "示例物流有限公司",
        str(EnterpriseKind.SECONDARY.label),
        "传化公路港",
        "物流运输类",
        25,
        2,
        str(CoverageStatus.INSTRUCTOR.label),
        "",
        "",
        "",
        "",
        "",
    ]


def member_columns() -> list[ImportColumn]:
    return [
        ImportColumn(_("Name"), "name", text(60)),
        ImportColumn(_("Party organisation"), "organisation", text(120)),
        ImportColumn(_("Status"), "status", choice(MemberStatus.choices), required=False),
        ImportColumn(_("Admitted (political birthday)"), "admitted", a_date, required=False),
        ImportColumn(_("Mobile number"), "phone", mobile, required=False),
        ImportColumn(_("Floating member"), "is_floating", yes_no, required=False),
        ImportColumn(_("Home organisation"), "home_organisation", text(120), required=False),
        ImportColumn(_("Floating member certificate no."), "floating_certificate", text(40), required=False),
        ImportColumn(_("Enterprise"), "enterprise", text(120), required=False),
        ImportColumn(_("Last recorded activity"), "last_activity", a_date, required=False),
    ]


def member_example() -> list:
    return [
        "秦师傅",
        "传化公路港党支部",
        str(MemberStatus.FULL.label),
        "2008-07-01",
        "",
        "是",
        "四川省南充市某党支部",
        "LD2024000001",
        "",
        "",
    ]


def _header(columns: list[ImportColumn], key: str) -> str:
    return next(c.header for c in columns if c.key == key)


def _names_to_one(queryset, field: str = "name") -> tuple[dict[str, Any], set[str]]:
    """Name → object, and the set of names that several objects share (ambiguous)."""
    objects = list(queryset)
    counts = Counter(getattr(o, field) for o in objects)
    return {getattr(o, field): o for o in objects}, {name for name, n in counts.items() if n > 1}


def check_enterprises(user, upload) -> ImportReport:
    columns = enterprise_columns()
    report = read_rows(upload, columns)
    if report.fatal:
        return report
    head = lambda key: _header(columns, key)  # noqa: E731
    categories = {c.name: c for c in Category.objects.filter(park_id=user.park_id)}
    organisations, ambiguous_orgs = _names_to_one(Organisation.objects.visible_to(user).only("pk", "name"))
    existing = set(Enterprise.objects.filter(park_id=user.park_id).values_list("name", flat=True))
    platforms = {e.name: e for e in Enterprise.objects.visible_to(user).platforms().only("pk", "name")}
    file_names = Counter(row["name"] for row in report.rows)
    file_platforms = {row["name"] for row in report.rows if row["kind"] == EnterpriseKind.PLATFORM}
    for row in report.rows:
        n = row["_row"]
        errors = []
        if row["name"] in existing:
            errors.append((head("name"), _("An enterprise of this name already exists.")))
        elif file_names[row["name"]] > 1:
            errors.append((head("name"), _("This name appears more than once in the file.")))
        if row["kind"] == EnterpriseKind.SECONDARY:
            if not row["platform"]:
                errors.append((head("platform"), _("A secondary enterprise needs its platform enterprise.")))
            elif row["platform"] not in platforms and row["platform"] not in file_platforms:
                errors.append((head("platform"), _("No platform enterprise of this name.")))
        elif row["platform"]:
            errors.append((head("platform"), _("A platform enterprise has no platform above it; leave this empty.")))
        if row["category"]:
            if row["category"] not in categories:
                errors.append((head("category"), _("No category of this name.")))
            else:
                row["category"] = categories[row["category"]]
        if row["organisation"]:
            if row["organisation"] in ambiguous_orgs:
                errors.append((head("organisation"), _("Several organisations have this name; rename one first.")))
            elif row["organisation"] not in organisations:
                errors.append((head("organisation"), _("No party organisation of this name that you may see.")))
            else:
                row["organisation"] = organisations[row["organisation"]]
        elif row["coverage"] in (CoverageStatus.OWN, CoverageStatus.JOINT):
            errors.append((head("organisation"), _("Name the organisation that covers this enterprise.")))
        if row["coverage"] == CoverageStatus.NONE and not row["no_coverage_reason"]:
            errors.append((head("no_coverage_reason"), _("Give the reason this enterprise is not covered.")))
        report.errors.extend((n, column, message) for column, message in errors)
    if report.errors:
        return report
    for row in report.rows:
        row["platform_existing"] = platforms.get(row["platform"]) if row["platform"] else None
    return report


def check_members(user, upload) -> ImportReport:
    columns = member_columns()
    report = read_rows(upload, columns)
    if report.fatal:
        return report
    head = lambda key: _header(columns, key)  # noqa: E731
    organisations, ambiguous_orgs = _names_to_one(Organisation.objects.visible_to(user).only("pk", "name"))
    enterprises = {e.name: e for e in Enterprise.objects.visible_to(user).only("pk", "name")}
    for row in report.rows:
        n = row["_row"]
        errors = []
        if row["organisation"] in ambiguous_orgs:
            errors.append((head("organisation"), _("Several organisations have this name; rename one first.")))
        elif row["organisation"] not in organisations:
            errors.append((head("organisation"), _("No party organisation of this name that you may see.")))
        else:
            row["organisation"] = organisations[row["organisation"]]
        if row["enterprise"]:
            if row["enterprise"] not in enterprises:
                errors.append((head("enterprise"), _("No enterprise of this name that you may see.")))
            else:
                row["enterprise"] = enterprises[row["enterprise"]]
        row["status"] = row["status"] or MemberStatus.FULL
        row["is_floating"] = bool(row["is_floating"])
        if row["is_floating"] and not row["home_organisation"]:
            errors.append((head("home_organisation"), _("A floating member needs their home organisation.")))
        if row["admitted"] and row["admitted"] > date.today():
            errors.append((head("admitted"), _("The admission date is in the future.")))
        report.errors.extend((n, column, message) for column, message in errors)
    return report


def members_defaults(row: dict) -> dict:
    return {
        "name": row["name"],
        "organisation": row["organisation"],
        "status": row["status"],
        "admitted": row["admitted"],
        "phone": row["phone"] or "",
        "is_floating": row["is_floating"],
        "home_organisation": row["home_organisation"] or "",
        "floating_certificate": row["floating_certificate"] or "",
        "enterprise": row["enterprise"] or None,
        "last_activity": row["last_activity"],
    }
