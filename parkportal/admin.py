from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from parkportal.models import AccessLog, Park, SmsMessage, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Portal"), {"fields": ("display_name", "phone", "phone_verified", "role", "park")}),
    )
    list_display = ["username", "display_name", "role", "park", "is_active"]
    list_filter = ["role", "park", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email", "phone"]


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name"]


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created", "phone", "body"]
    search_fields = ["phone"]
    date_hierarchy = "created"


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["created", "user", "subject_type", "subject_id", "action"]
    list_filter = ["subject_type", "action"]
    date_hierarchy = "created"

    def has_change_permission(self, request, obj=None):
        return False
