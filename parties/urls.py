from django.urls import path

from parties.views import organisation

app_name = "parties"

urlpatterns = [
    path("tree/", organisation.tree, name="tree"),
]
