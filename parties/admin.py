from django.contrib import admin

from parties.models import Category, Enterprise, Instructor, Member, Organisation, VanguardPost


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "park"]
    list_filter = ["park"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "tier_name", "kind", "parent", "secretary_name", "term_end", "last_activity"]
    list_filter = ["park", "kind", "tier_name", "category", "has_committee", "depth"]
    list_select_related = ["parent"]
    search_fields = ["name", "secretary_name", "tier_name"]
    raw_id_fields = ["parent", "secretary_user"]
    readonly_fields = ["path", "depth"]
    date_hierarchy = "term_end"


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "platform", "category", "coverage", "member_count", "instructor"]
    list_filter = ["park", "kind", "coverage", "category", "instructor__kind"]
    list_select_related = ["platform", "category", "instructor"]
    search_fields = ["name", "credit_code", "platform__name", "no_coverage_reason"]
    raw_id_fields = ["platform", "organisation", "instructor"]


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active", "park"]
    list_filter = ["park", "kind", "active"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "is_floating", "admitted", "last_activity"]
    list_filter = ["park", "status", "is_floating", "organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["name", "floating_certificate", "home_organisation", "organisation__name"]
    raw_id_fields = ["organisation", "enterprise", "user"]
    date_hierarchy = "admitted"


@admin.register(VanguardPost)
class VanguardPostAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "member", "organisation"]
    list_filter = ["park", "kind"]
    list_select_related = ["member", "organisation"]
    search_fields = ["name", "member__name", "organisation__name"]
    raw_id_fields = ["organisation", "member"]


# --- Visit logs (issue 3) ---
from parties.models import Visit, VisitPhoto, VisitProblem, VisitRevision  # noqa: E402


class VisitProblemInline(admin.TabularInline):
    model = VisitProblem
    extra = 0
    fields = ["description", "is_labour_dispute", "state", "owner", "opened_on", "solved_on", "mediation_case_id"]
    readonly_fields = ["mediation_case_id"]


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["image", "thumbnail", "width", "height"]
    readonly_fields = ["image", "thumbnail", "width", "height"]
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # photos come through the visit form, which re-encodes them


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "enterprise", "instructor", "kind", "created_at"]
    list_filter = ["park", "kind", "date"]
    search_fields = ["enterprise__name", "instructor__name", "people_met", "summary"]
    raw_id_fields = ["enterprise", "instructor", "author"]
    date_hierarchy = "date"
    inlines = [VisitProblemInline, VisitPhotoInline]


@admin.register(VisitProblem)
class VisitProblemAdmin(admin.ModelAdmin):
    list_display = ["description", "state", "owner", "opened_on", "is_labour_dispute", "mediation_case_id"]
    list_filter = ["state", "is_labour_dispute", "visit__park"]
    search_fields = ["description", "owner", "visit__enterprise__name"]
    raw_id_fields = ["visit", "handed_by"]


@admin.register(VisitPhoto)
class VisitPhotoAdmin(admin.ModelAdmin):
    list_display = ["image", "visit", "width", "height", "uploaded_at"]
    list_filter = ["visit__park"]
    search_fields = ["visit__enterprise__name"]
    raw_id_fields = ["visit"]


@admin.register(VisitRevision)
class VisitRevisionAdmin(admin.ModelAdmin):
    list_display = ["visit", "user", "at"]
    list_filter = ["visit__park"]
    search_fields = ["visit__enterprise__name", "user__username"]
    raw_id_fields = ["visit", "user"]
    readonly_fields = ["visit", "user", "at", "changes"]
