from allauth.account.views import SignupView
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import Http404
from django.urls import include, path
from django.views.static import serve

from parkportal import views

handler500 = "parkportal.middleware.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("dev/sms/", views.dev_sms, name="dev_sms"),
    path("bench/bare/", views.bench_bare, name="bench_bare"),
    path("bench/frame/", views.bench_frame, name="bench_frame"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Signing up writes a user and the SMS code: both or neither (scripts/faults.py stops the database
    # mid-sign-up). Same route and name as allauth's, listed first so it wins.
    path("accounts/signup/", transaction.atomic(SignupView.as_view()), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("org/", include("parties.urls")),
    path("home/", include("drivers_home.urls")),
    path("events/", include("activities.urls")),
    path("mediation/", include("mediation.urls")),
]

#: Media types a browser may render inline; everything else is sent as a download.
INLINE_MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}


def serve_media(request, path: str):
    """DEBUG only: serve uploads like nginx does in production (docs/DEPLOY.md), never as HTML.

    Uploads are re-encoded JPEGs and checked PDFs, but a file put into MEDIA_ROOT by other means must not
    become a page of our origin: anything that is not an image or a PDF is an attachment of type
    application/octet-stream, nothing is sniffed, and a sandbox CSP disables scripts even if it were.
    """
    if not settings.DEBUG:
        raise Http404  # production: nginx serves /media/ (docs/DEPLOY.md); Django never does
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content_type not in INLINE_MEDIA_TYPES:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


# Routed always, answered only with DEBUG on (checked per request, so the URLconf does not depend on
# when it was first imported). In production nginx serves media with the same safe headers.
urlpatterns += [path("media/<path:path>", serve_media, name="media")]

if settings.DEBUG_TOOLBAR:  # development only, on request (parkportal/settings.py)
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
