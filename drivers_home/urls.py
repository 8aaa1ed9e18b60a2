from django.urls import path

from drivers_home.views import desk, driver, staff

app_name = "drivers_home"

urlpatterns = [
    # The driver, on his phone
    path("s/<slug:token>/", driver.site_page, name="site"),
    path("s/<slug:token>/checkin/", driver.checkin, name="checkin"),
    path("checkin/<int:pk>/", driver.checkin_detail, name="checkin_detail"),
    path("profile/", driver.profile, name="profile"),
    path("privacy/", driver.privacy, name="privacy"),
    path("me/", driver.me, name="me"),
    path("me/data.json", driver.my_data, name="my_data"),
    path("me/delete/", driver.delete_account, name="delete_account"),
    path("me/party-member/", driver.floating_request, name="floating_request"),
    # The desk
    path("desk/", desk.desk_home, name="desk"),
    path("desk/<int:pk>/", desk.desk_today, name="desk_today"),
    path("desk/<int:pk>/checkin/", desk.desk_checkin, name="desk_checkin"),
    # Park staff
    path("sites/", staff.site_list, name="site_list"),
    path("sites/<int:pk>/poster/", staff.poster, name="poster"),
    path("traffic/", staff.traffic, name="traffic"),
    path("traffic/export.xlsx", staff.traffic_export, name="traffic_export"),
    path("floating/", staff.floating_list, name="floating_list"),
    path("floating/<int:pk>/", staff.floating_detail, name="floating_detail"),
    path("floating/<int:pk>/decline/", staff.floating_decline, name="floating_decline"),
    path("drivers/<int:pk>/", staff.driver_detail, name="driver_detail"),
]
