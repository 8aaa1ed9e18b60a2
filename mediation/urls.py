from django.urls import path

from mediation import views

app_name = "mediation"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/move/<slug:action>/", views.case_move, name="case_move"),
    path("<int:pk>/decline/", views.case_decline, name="case_decline"),
    path("<int:pk>/sessions/", views.session_add, name="session_add"),
    path("<int:pk>/agreement/", views.agreement_add, name="agreement_add"),
    path("<int:pk>/agreement/print/", views.agreement_print, name="agreement_print"),
    path("<int:pk>/payments/", views.instalment_add, name="instalment_add"),
    path("<int:pk>/payments/<int:instalment_pk>/paid/", views.instalment_pay, name="instalment_pay"),
    path("<int:pk>/arbitration-notice/", views.arbitration_notice, name="arbitration_notice"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/new/", views.body_edit, name="body_create"),
    path("bodies/<int:pk>/", views.body_edit, name="body_edit"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
]
