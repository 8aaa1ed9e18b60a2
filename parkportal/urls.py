from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from parkportal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("dev/sms/", views.dev_sms, name="dev_sms"),
    path("bench/bare/", views.bench_bare, name="bench_bare"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("org/", include("parties.urls")),
    path("home/", include("drivers_home.urls")),
    path("events/", include("activities.urls")),
    path("mediation/", include("mediation.urls")),
]

if settings.DEBUG:
    # In production nginx serves media with safe headers (docs/DEPLOY.md).
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
