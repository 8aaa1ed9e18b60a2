from django.contrib import admin

from parties.models import Category, Enterprise, Instructor, Member, Organisation, VanguardPost


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "park"]
    list_filter = ["park"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "tier_name", "kind", "parent", "secretary_name", "term_end"]
    list_filter = ["park", "kind", "tier_name", "category"]
    search_fields = ["name", "secretary_name"]
    raw_id_fields = ["parent", "secretary_user"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "platform", "category", "coverage", "member_count", "instructor"]
    list_filter = ["park", "kind", "coverage", "category"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["platform", "organisation", "instructor"]


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active", "park"]
    list_filter = ["park", "kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["user"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "is_floating", "admitted", "last_activity"]
    list_filter = ["park", "status", "is_floating"]
    search_fields = ["name", "floating_certificate"]
    raw_id_fields = ["organisation", "enterprise", "user"]


@admin.register(VanguardPost)
class VanguardPostAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "member", "organisation"]
    list_filter = ["park", "kind"]
    search_fields = ["name", "member__name"]
    raw_id_fields = ["organisation", "member"]
