app_name = "drivers_home"

urlpatterns: list = []
