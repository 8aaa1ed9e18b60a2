from django.urls import path

from activities.views import manage, public

app_name = "activities"

urlpatterns = [
    # Drivers, on a phone
    path("", public.event_list, name="event_list"),
    path("<int:pk>/", public.event_detail, name="event_detail"),
    path("<int:pk>/register/", public.event_register, name="event_register"),
    path("mine/", public.my_registrations, name="mine"),
    path("tickets/<str:code>/", public.ticket, name="ticket"),
    path("tickets/<str:code>/cancel/", public.ticket_cancel, name="ticket_cancel"),
    path("tickets/<str:code>/event.ics", public.ticket_ics, name="ticket_ics"),
    # At the door (the ticket's QR code opens the check-in page)
    path("checkin/<str:code>/", manage.checkin, name="checkin"),
    path("manage/<int:pk>/door/", manage.door, name="door"),
    path("manage/<int:pk>/door/walk-in/", manage.door_walkin, name="door_walkin"),
    path(
        "manage/<int:pk>/registrations/<int:registration_pk>/cancel/",
        manage.registration_cancel,
        name="registration_cancel",
    ),
    # Organisers
    path("manage/", manage.manage_list, name="manage"),
    path("manage/new/", manage.event_create, name="event_create"),
    path("manage/<int:pk>/", manage.manage_event, name="manage_event"),
    path("manage/<int:pk>/edit/", manage.event_edit, name="event_edit"),
    path("manage/<int:pk>/publish/", manage.event_publish_view, name="event_publish"),
    path("manage/<int:pk>/cancel/", manage.event_cancel_view, name="event_cancel"),
    path("manage/<int:pk>/export.xlsx", manage.event_export, name="event_export"),
    path("manage/<int:pk>/message/", manage.event_message, name="event_message"),
    path("manage/<int:pk>/outcome/", manage.event_outcome, name="event_outcome"),
    path("calendar/", manage.month_calendar, name="calendar"),
    path("report/", manage.outcome_report, name="report"),
]
