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
    path("reminders/<slug:group>/", reminders.reminder_group, name="reminder_group"),
    path("import/enterprises/", imports.import_enterprises, name="import_enterprises"),
    path("import/enterprises/confirm/", imports.import_enterprises_confirm, name="import_enterprises_confirm"),
    path("import/enterprises/template/", imports.import_enterprises_template, name="import_enterprises_template"),
    path("import/members/", imports.import_members, name="import_members"),
    path("import/members/confirm/", imports.import_members_confirm, name="import_members_confirm"),
    path("import/members/template/", imports.import_members_template, name="import_members_template"),
]

# --- Visit logs (issue 3): the instructors' visits, "my enterprises", the office's lists and report. ---
from parties.views import visits  # noqa: E402

urlpatterns += [
    path("my-enterprises/", visits.my_enterprises, name="my_enterprises"),
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/new/", visits.visit_new, name="visit_new"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", visits.visit_edit, name="visit_edit"),
    path("visits/photos/<int:pk>/", visits.visit_photo, name="visit_photo"),
    path("visits/photos/<int:pk>/thumb/", visits.visit_photo_thumb, name="visit_photo_thumb"),
    path("visits/problems/", visits.open_problems, name="visit_problems"),
    path("visits/problems/<int:pk>/mediation/", visits.problem_handover, name="visit_problem_handover"),
    path("visits/problems/<int:pk>/follow-up/", visits.problem_follow_up_view, name="visit_problem_follow_up"),
    path("visits/by-instructor/", visits.visit_report, name="visit_report"),
]
