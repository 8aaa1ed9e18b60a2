from django.contrib import admin

from activities.models import Broadcast, Event, EventKind, FamilyMember, Outcome, OutcomePhoto, Registration


@admin.register(EventKind)
class EventKindAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "park", "asks_child_age", "order"]
    list_filter = ["park"]
    search_fields = ["name", "slug"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organiser", "starts_at", "capacity", "status", "park"]
    list_filter = ["park", "status", "kind", "audience"]
    search_fields = ["title", "venue_text", "partners"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["organiser", "site"]


class FamilyInline(admin.TabularInline):
    model = FamilyMember
    extra = 0


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "status", "position", "places", "walk_in", "created"]
    list_filter = ["status", "walk_in", "event__park"]
    search_fields = ["name", "ticket_code", "event__title"]
    raw_id_fields = ["event", "user", "checked_in_by", "cancelled_by"]
    readonly_fields = ["ticket_code"]
    inlines = [FamilyInline]


@admin.register(FamilyMember)
class FamilyMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "relation", "age", "registration"]
    search_fields = ["name"]
    list_filter = ["relation"]
    raw_id_fields = ["registration"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["event", "body", "recipients", "created"]
    search_fields = ["body", "event__title"]
    list_filter = ["event__park"]
    raw_id_fields = ["event"]


class PhotoInline(admin.TabularInline):
    model = OutcomePhoto
    extra = 0


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["event", "people_served", "recorded_at"]
    search_fields = ["event__title", "report"]
    list_filter = ["event__kind"]
    raw_id_fields = ["event"]
    inlines = [PhotoInline]


@admin.register(OutcomePhoto)
class OutcomePhotoAdmin(admin.ModelAdmin):
    list_display = ["outcome", "created"]
    search_fields = ["outcome__event__title"]
    list_filter = ["created"]
    raw_id_fields = ["outcome"]
