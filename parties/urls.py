from django.urls import path

from parties.views import coverage, imports, lists, organisation, reminders

app_name = "parties"

urlpatterns = [
    path("tree/", organisation.tree, name="tree"),
    path("tree/export/", organisation.organisation_export, name="organisation_export"),
    path("o/<int:pk>/", organisation.organisation_detail, name="organisation"),
    path("enterprises/", lists.enterprise_list, name="enterprise_list"),
    path("enterprises/export/", lists.enterprise_export, name="enterprise_export"),
    path("members/", lists.member_list, name="member_list"),
    path("members/export/", lists.member_export, name="member_export"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("coverage/export/", coverage.coverage_export, name="coverage_export"),
    path("reminders/", reminders.reminders, name="reminders"),
    path("import/enterprises/", imports.import_enterprises, name="import_enterprises"),
    path("import/enterprises/confirm/", imports.import_enterprises_confirm, name="import_enterprises_confirm"),
    path("import/enterprises/template/", imports.import_enterprises_template, name="import_enterprises_template"),
    path("import/members/", imports.import_members, name="import_members"),
    path("import/members/confirm/", imports.import_members_confirm, name="import_members_confirm"),
    path("import/members/template/", imports.import_members_template, name="import_members_template"),
]
