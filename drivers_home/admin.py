from django.contrib import admin

from drivers_home.models import CheckIn, DailyStat, DriverProfile, FloatingMemberRequest, Service, Site
from parkportal.masking import mask_phone


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "park", "order"]
    list_filter = ["park"]
    search_fields = ["name"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "park", "kind", "active"]
    list_filter = ["park", "kind", "active"]
    search_fields = ["name", "address"]
    filter_horizontal = ["services", "desk_staff"]
    readonly_fields = ["token"]


@admin.register(DriverProfile)
class DriverProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_phone", "province", "vehicle_type", "consent_method", "consent_at"]
    list_filter = ["province", "vehicle_type", "consent_method"]
    search_fields = ["name", "plate", "user__phone"]
    raw_id_fields = ["user", "consent_noted_by"]

    @admin.display(description="phone")
    def masked_phone(self, obj):
        return mask_phone(obj.user.phone)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["created", "site", "driver_id", "via"]
    list_filter = ["site", "via"]
    search_fields = ["driver__driver_profile__plate"]
    date_hierarchy = "created"
    raw_id_fields = ["driver"]
    show_full_result_count = False


@admin.register(DailyStat)
class DailyStatAdmin(admin.ModelAdmin):
    list_display = ["day", "site", "kind", "key", "count"]
    list_filter = ["kind", "site"]
    search_fields = ["key"]
    date_hierarchy = "day"


@admin.register(FloatingMemberRequest)
class FloatingMemberRequestAdmin(admin.ModelAdmin):
    list_display = ["created", "home_organisation", "status", "park", "organisation"]
    list_filter = ["status", "park"]
    search_fields = ["home_organisation", "certificate"]
    raw_id_fields = ["driver", "decided_by", "organisation"]
