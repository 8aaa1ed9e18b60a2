from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils.translation import gettext_lazy as _

from parkportal.models import Park
from parkportal.validators import validate_mobile
from parties.querysets import (
    EnterpriseQuerySet,
    InstructorQuerySet,
    MemberQuerySet,
    OrganisationQuerySet,
    VanguardPostQuerySet,
)

PATH_STEP = 6  # digits per tree level in Organisation.path: "000012.000345."


class OrganisationKind(models.TextChoices):
    COMMITTEE = "committee", _("Committee")  # 党委 / 党工委
    GENERAL_BRANCH = "general_branch", _("General branch")  # 党总支
    BRANCH = "branch", _("Branch")  # 党支部
    JOINT_BRANCH = "joint_branch", _("Joint branch")  # 联合党支部


class Category(models.Model):
    """行业类别: e.g. 专业市场类, 物流运输类, 物流仓储类. Categories are data."""

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="categories", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """党组织: a node of the park's party organisation tree (党工委 → 综合党委 → … → 支部), of any depth.

    `path` is a materialised path ("000001.000007.") so a subtree is one indexed prefix query.
    """

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("park"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name = models.CharField(_("name"), max_length=120)
    tier_name = models.CharField(
        _("tier"), max_length=40, blank=True, help_text=_("e.g. 园区党工委, 综合党委, 产业社区综合党委, 两新党组织")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.BRANCH)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    secretary_name = models.CharField(_("secretary"), max_length=60, blank=True)
    secretary_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of",
        verbose_name=_("secretary's account"),
    )
    founded = models.DateField(_("founded"), null=True, blank=True)
    has_committee = models.BooleanField(_("has an elected committee"), default=False)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), null=True, blank=True)
    term_start = models.DateField(_("term started"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True, db_index=True)
    last_activity = models.DateField(_("last recorded activity"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["park", "parent", "name"], name="organisation_unique_sibling_name"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gt=models.F("term_start")),
                name="organisation_term_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else ""
        new_path = f"{parent_path}{self.pk:0{PATH_STEP}d}."
        if new_path != old_path:
            self.path = new_path
            self.depth = new_path.count(".") - 1
            type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                # Moving a node moves its whole subtree.
                for child in type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = new_path + child.path[len(old_path) :]
                    child.depth = child.path.count(".") - 1
                    type(self).objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)

    def clean(self) -> None:
        if self.parent_id and self.parent.park_id != self.park_id:
            raise ValidationError({"parent": _("The parent organisation belongs to another park.")})
        if self.pk and self.parent_id:
            node = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError({"parent": _("An organisation cannot be placed under itself.")})
                node = node.parent

    def subtree(self):
        return type(self).objects.filter(path__startswith=self.path)

    def ancestors(self):
        ids = [int(p) for p in self.path.strip(".").split(".")[:-1] if p]
        return type(self).objects.filter(pk__in=ids).order_by("depth")


class CoverageStatus(models.TextChoices):
    OWN = "own", _("Own organisation")  # 单独建立
    JOINT = "joint", _("Joint organisation")  # 联合建立
    INSTRUCTOR = "instructor", _("Instructor only")  # 覆盖 (指导员)
    NONE = "none", _("Not covered")


class EnterpriseKind(models.TextChoices):
    PLATFORM = "platform", _("Platform enterprise")  # 平台企业
    SECONDARY = "secondary", _("Secondary enterprise")  # 二次招商企业


class Instructor(models.Model):
    """党建指导员: assigned to platform enterprises; part-time or full-time."""

    class Kind(models.TextChoices):
        PART_TIME = "part_time", _("Part-time")
        FULL_TIME = "full_time", _("Full-time")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="instructors", verbose_name=_("park"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructor",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[validate_mobile])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PART_TIME)
    active = models.BooleanField(_("active"), default=True)

    objects = InstructorQuerySet.as_manager()

    class Meta:
        verbose_name = _("party-building instructor")
        verbose_name_plural = _("party-building instructors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """企业: a platform enterprise (平台企业) or a secondary enterprise (二次招商企业) under a platform."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EnterpriseKind.choices, default=EnterpriseKind.SECONDARY)
    platform = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenants",
        limit_choices_to={"kind": EnterpriseKind.PLATFORM},
        verbose_name=_("platform enterprise"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("category"),
    )
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    member_count = models.PositiveIntegerField(_("party members"), default=0)
    coverage = models.CharField(
        _("coverage"), max_length=20, choices=CoverageStatus.choices, default=CoverageStatus.NONE, db_index=True
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("party organisation"),
    )
    instructor = models.ForeignKey(
        Instructor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name=_("instructor"),
    )
    no_coverage_reason = models.CharField(_("reason not covered"), max_length=200, blank=True)
    coverage_planned = models.DateField(_("coverage planned by"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="enterprise_unique_name"),
            models.CheckConstraint(
                condition=Q(kind=EnterpriseKind.PLATFORM, platform__isnull=True)
                | Q(kind=EnterpriseKind.SECONDARY, platform__isnull=False),
                name="enterprise_secondary_has_platform",
            ),
        ]
        indexes = [
            models.Index(fields=["park", "kind"]),
            # The coverage aggregates (dashboard, coverage page) read only these: an index-only scan.
            models.Index(fields=["park", "coverage", "member_count"], name="enterprise_coverage_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def should_have_organisation(self) -> bool:
        """应建: 3 or more full members may (and so must) form an organisation."""
        return self.member_count >= settings.PORTAL_RULES["BRANCH_MIN_FULL_MEMBERS"]


class MemberStatus(models.TextChoices):
    FULL = "full", _("Full member")  # 正式党员
    PROBATIONARY = "probationary", _("Probationary member")  # 预备党员


class Member(models.Model):
    """党员: full or probationary; a floating member (流动党员) holds a 流动党员活动证 and cannot vote here."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="members", verbose_name=_("park"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("party organisation")
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("enterprise"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_member",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[validate_mobile])
    status = models.CharField(_("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL)
    admitted = models.DateField(_("admitted (political birthday)"), null=True, blank=True)
    is_floating = models.BooleanField(_("floating member"), default=False)
    home_organisation = models.CharField(_("home organisation"), max_length=120, blank=True)
    floating_certificate = models.CharField(_("floating member certificate no."), max_length=40, blank=True)
    home_contact_phone = models.CharField(_("home organisation contact phone"), max_length=20, blank=True)
    last_activity = models.DateField(_("last recorded activity"), null=True, blank=True, db_index=True)
    joined_here = models.DateField(_("joined this organisation"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_floating=False) | ~Q(home_organisation=""),
                name="member_floating_has_home_organisation",
            ),
        ]
        indexes = [
            models.Index(fields=["park", "organisation", "status"]),
            # The dashboard's member figures and the ?floating= list count: an index-only scan.
            models.Index(fields=["park", "is_floating"], name="member_park_floating_idx"),
            # Members per organisation (tree, reminders, export): counted from the index alone.
            models.Index(fields=["organisation", "is_floating", "status"], name="member_org_counts_idx"),
            # The member list's order (name, pk): a page of 50 walks the index instead of sorting every match.
            models.Index(fields=["park", "name", "id"], name="member_park_name_idx"),
            # This month's political birthdays (reminders): 1/12 of the members instead of a scan of all of them,
            # in the reminders list's order (day, name, pk), so its first 10 rows are an index walk, not a sort of
            # the month's ≈1,600 members (0.85 → 0.1 ms on the large park).
            models.Index(
                F("park"),
                ExtractMonth("admitted"),
                ExtractDay("admitted"),
                F("name"),
                F("id"),
                name="member_birthday_idx",
            ),
            # Members with no recent activity (reminders) in the list's order (last_activity, name, pk): the first
            # 10 rows walk the index instead of joining and sorting every member of the oldest dates (1.4 → 0.1 ms).
            models.Index(fields=["park", "last_activity", "name", "id"], name="member_inactive_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_vote_here(self) -> bool:
        # Floating members attend organisational life but cannot vote or stand for election in the park.
        return not self.is_floating and self.status == MemberStatus.FULL


class MemberCount(models.Model):
    """Members counted per (organisation, member's park): full, local (not floating) and floating members.

    Kept by database triggers on the members table (migration parties 0008), so every writer keeps it in step:
    services, imports, the admin, QuerySet.update(), bulk_create, deletes. Python never writes it.

    A table of its own rather than columns on Organisation:
    - Organisation.save() writes every column: an organisation loaded before a member changed and saved after
      (the admin, a rename) would write its stale counts back. Nothing saves this table's rows from Python.
    - A member's write locks only this small row, not the organisation's, which the admin and the
      organisation's own workflows update; and it does not rewrite the organisation's wide row each time.
    - Keyed by the member's park as well as the organisation, it holds exactly what a park administrator or a
      secretary counts (their scoping keeps members of their park: `parties.reminders.counted_organisations`),
      even for a member whose park is not his organisation's, which nothing in the database forbids.
    """

    # No index of their own: the unique constraint's (organisation, park) serves the reads, and the table is tiny.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_counts", db_index=False
    )
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+", db_index=False)
    full_members = models.PositiveIntegerField(default=0)
    local_members = models.PositiveIntegerField(default=0)
    floating_members = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "park"], name="membercount_unique_org_park"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.organisation_id}@{self.park_id}: {self.full_members}/{self.local_members}/{self.floating_members}"
        )


class VanguardPost(models.Model):
    """党员先锋岗 / 党员责任区 / 党员先锋车: a post, zone or vehicle one member answers for."""

    class Kind(models.TextChoices):
        POST = "post", _("Vanguard post")
        ZONE = "zone", _("Responsibility zone")
        VEHICLE = "vehicle", _("Vanguard vehicle")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="vanguard_posts", verbose_name=_("park"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="vanguard_posts", verbose_name=_("party organisation")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="vanguard_posts", verbose_name=_("member responsible")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.POST)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    objects = VanguardPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("vanguard post")
        verbose_name_plural = _("vanguard posts")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name
