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
