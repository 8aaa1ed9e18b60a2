from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from parkportal.middleware import unavailable_response
from parkportal.models import Park, SmsMessage
from parkportal.registry import home_dashboard_for
from parkportal.roles import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Every app's figures in one query, anchored on the park row the page's heading needs anyway, and cached
    # until a table they read is written (parkportal.registry.home_dashboard_for).
    cards, cards_html, park_name = home_dashboard_for(request.user)
    context = {
        "cards": cards,
        "cards_html": cards_html,
        "park_name": park_name,
        "is_driver": request.user.role == Role.DRIVER,
    }
    return render(request, "parkportal/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return unavailable_response()
    return HttpResponse("ok", content_type="text/plain")


def dev_sms(request: HttpRequest) -> HttpResponse:
    """DEBUG only: the last texts the development SMS backend kept, so the demo's sign-in codes can be read."""
    if not settings.DEBUG:
        raise Http404
    messages = SmsMessage.objects.all()[:30]
    return render(request, "parkportal/dev_sms.html", {"sms_messages": messages})


def bench_bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: one indexed query and a tiny template behind the same middleware."""
    if not settings.BENCHMARK_PAGE_ENABLED:
        raise Http404
    park = Park.objects.filter(pk=1).first()
    return render(request, "parkportal/bench_bare.html", {"park": park})


def bench_frame(request: HttpRequest) -> HttpResponse:
    """The ceiling of a signed-in page: the bare page's query inside the full page frame (base.html: menu,
    messages, language buttons), for a signed-in user. Between the bare page and this one lies the price of
    the session, the user and the frame, which every signed-in page pays before doing its own work."""
    if not settings.BENCHMARK_PAGE_ENABLED:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    park = Park.objects.filter(pk=1).first()
    return render(request, "parkportal/bench_frame.html", {"park": park})
