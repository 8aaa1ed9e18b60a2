from django.urls import path

from parties.views import organisation

app_name = "parties"

urlpatterns = [
    path("tree/", organisation.tree, name="tree"),
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
