"""Back office for mediation. Nothing in a case is ever deleted (人民调解法 Art. 27), so no admin deletes."""

from django.contrib import admin

from mediation.models import Agreement, Applicant, Attachment, Case, CaseEvent, Instalment, MediationBody, Session


class NoDelete:
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(NoDelete, admin.TabularInline):
    extra = 0
    can_delete = False


class ApplicantInline(ReadOnlyInline):
    model = Applicant


class SessionInline(ReadOnlyInline):
    model = Session


class EventInline(ReadOnlyInline):
    model = CaseEvent
    readonly_fields = ["at", "user", "kind", "from_status", "to_status", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MediationBody)
class MediationBodyAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "kind", "enterprise", "park", "active"]
    list_filter = ["kind", "active", "park"]
    search_fields = ["name", "enterprise__name"]
    filter_horizontal = ["mediators"]
    raw_id_fields = ["enterprise"]


@admin.register(Case)
class CaseAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["pk", "matter", "body", "status", "dispute_type", "received_on"]
    list_filter = ["status", "dispute_type", "source", "intake", "body__kind", "park"]
    search_fields = ["matter", "respondent_name", "respondent_enterprise__name", "applicants__name"]
    raw_id_fields = ["respondent_enterprise", "created_by"]
    # The lifecycle lives in mediation.services; status and version are not edited by hand.
    readonly_fields = ["status", "version", "outcome", "concluded_on", "closed_on", "days_to_close", "left_park"]
    inlines = [ApplicantInline, SessionInline, EventInline]
    date_hierarchy = "received_on"


@admin.register(Agreement)
class AgreementAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["case", "amount", "signed_on", "perform_by"]
    search_fields = ["case__matter", "terms"]
    list_filter = ["signed_on"]
    raw_id_fields = ["case", "mediator"]


@admin.register(Instalment)
class InstalmentAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["agreement", "amount", "due_on", "paid_on"]
    list_filter = ["paid_on"]
    search_fields = ["agreement__case__matter", "note"]
    raw_id_fields = ["agreement", "recorded_by"]


@admin.register(Applicant)
class ApplicantAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "case"]
    search_fields = ["name", "case__matter"]
    list_filter = ["case__park"]
    raw_id_fields = ["case"]


@admin.register(Session)
class SessionAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["case", "held_on", "place"]
    list_filter = ["held_on"]
    search_fields = ["case__matter", "place", "minutes"]
    raw_id_fields = ["case", "recorded_by"]


@admin.register(Attachment)
class AttachmentAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "case", "kind", "created"]
    list_filter = ["kind"]
    search_fields = ["name", "case__matter"]
    raw_id_fields = ["case", "uploaded_by"]


@admin.register(CaseEvent)
class CaseEventAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["case", "at", "user", "kind", "from_status", "to_status"]
    list_filter = ["kind"]
    search_fields = ["case__matter", "note"]
    readonly_fields = ["case", "user", "at", "kind", "from_status", "to_status", "note"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
