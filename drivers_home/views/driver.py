"""The driver's pages, on his own phone: the site page from the poster, check-in, profile, my page."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import F, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers_home import services
from drivers_home.forms import DriverProfileForm, FloatingRequestForm, ServicesForm
from drivers_home.models import PRIVACY_NOTICE_VERSION, CheckIn, DriverProfile, FloatingMemberRequest, Site
from parkportal.roles import Role
from parkportal.rows import PreparedQuery
from parkportal.scoping import get_visible_or_404, role_required


def _site_and_services_by_token(token: str, driver_id: int | None = None) -> tuple[Site, list[str]]:
    """The site and the names of its services in ONE query (a LEFT JOIN: one row per service). With `driver_id`,
    the driver's profile (its pk and name, or None) comes in the same query as `profile_pk` and `profile_name` on
    the site: uncorrelated subqueries, which PostgreSQL runs once, not per row.

    The query is `site_page_queryset`'s, compiled once per database connection (`_site_page`, a PreparedQuery):
    building and compiling it cost about 1.5 ms of CPU per request, more than the rest of the page's own work.
    Only the statement is kept; every request reads the database afresh."""
    if not 8 <= len(token) <= 32:
        raise Http404
    if driver_id is None:
        rows = _site_page.rows(token, shape="visitor")
    else:
        rows = _site_page.rows(token, driver_id, shape="driver")
    if not rows:
        raise Http404
    first = rows[0]
    site = Site.from_db("default", SITE_FIELDS, [first[name] for name in SITE_FIELDS])
    if driver_id is not None:
        site.profile_pk, site.profile_name = first["profile_pk"], first["profile_name"]
    return site, [r["service_name"] for r in rows if r["service_name"] is not None]


#: The site's columns the page's query reads: all of them, so the site is a whole instance.
SITE_FIELDS = [field.attname for field in Site._meta.concrete_fields]


def site_page_queryset(token: str, driver_id: int | None):
    """The site page's query, as values: the site's columns and `service_name` per row of a service (ordered),
    with `driver_id` also `profile_pk` and `profile_name`."""
    rows = Site.objects.filter(token=token, active=True).annotate(
        service_name=F("services__name"), service_order=F("services__order")
    )
    extra = []
    if driver_id is not None:
        profile = DriverProfile.objects.filter(user_id=driver_id).order_by()
        rows = rows.annotate(
            profile_pk=Subquery(profile.values("pk")[:1]), profile_name=Subquery(profile.values("name")[:1])
        )
        extra = ["profile_pk", "profile_name"]
    return rows.order_by("service_order", "service_name").values_list(*SITE_FIELDS, "service_name", *extra)


_site_page = PreparedQuery(
    "site_page",
    lambda shape, token, driver_id=None: site_page_queryset(token, driver_id if shape == "driver" else None),
)


def rules_context() -> dict:
    """The rules the driver's pages state in words (window, retention): from the settings, never literals."""
    rules = settings.PORTAL_RULES
    return {
        "window_hours": max(1, round(rules["CHECKIN_WINDOW"].total_seconds() / 3600)),
        "retention_years": rules["CHECKIN_RETENTION_YEARS"],
    }


def _profile(user) -> DriverProfile | None:
    return DriverProfile.objects.filter(user=user).first()


def site_page(request: HttpRequest, token: str) -> HttpResponse:
    """What the poster's QR code opens: the site, and for a signed-in driver one button to check in."""
    user = request.user
    is_driver = user.is_authenticated and user.role == Role.DRIVER
    site, service_names = _site_and_services_by_token(token, user.pk if is_driver else None)
    if is_driver and site.profile_pk is None:
        return redirect(f"{reverse('drivers_home:profile')}?next={request.path}")
    # The page greets the driver by name: all it reads of the profile, which came with the site.
    profile = {"name": site.profile_name} if is_driver else None
    return render(
        request,
        "drivers_home/site.html",
        {
            "site": site,
            "service_names": service_names,
            "profile": profile,
            "is_driver": is_driver,
            **rules_context(),
        },
    )


@require_POST
@role_required(Role.DRIVER)
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    # The token is the only key: a wrong, forged or retired poster answers 404.
    if not 8 <= len(token) <= 32:
        raise Http404
    try:
        # The site is looked up by its token inside the service, with the driver's lock (one query less).
        item, created = services.checkin_create_by_token(driver=request.user, token=token)
    except Site.DoesNotExist:
        raise Http404 from None
    except ValidationError:
        return redirect(f"{reverse('drivers_home:profile')}?next={site_url(token)}")
    if created:
        messages.success(request, _("You are checked in. Welcome!"))
    else:
        messages.info(request, _("You are already checked in here."))
    return redirect("drivers_home:checkin_detail", pk=item.pk)


def site_url(token: str) -> str:
    return reverse("drivers_home:site", kwargs={"token": token})


@role_required(Role.DRIVER)
def checkin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(CheckIn.objects.select_related("site"), request.user, pk=pk)
    form = ServicesForm(
        request.POST if request.method == "POST" else None,
        site=item.site,
        initial={"services": list(item.services.all())},
    )
    if request.method == "POST" and form.is_valid():
        services.checkin_set_services(checkin=item, services=form.cleaned_data["services"])
        messages.success(request, _("Thank you, noted."))
        return redirect("drivers_home:checkin_detail", pk=item.pk)
    return render(request, "drivers_home/checkin.html", {"checkin": item, "form": form})


@role_required(Role.DRIVER)
def profile(request: HttpRequest) -> HttpResponse:
    instance = _profile(request.user)
    form = DriverProfileForm(request.POST if request.method == "POST" else None, instance=instance)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.driver_profile_save(
            user=request.user,
            name=data["name"],
            plate=data["plate"],
            province=data["province"],
            vehicle_type=data["vehicle_type"],
        )
        messages.success(request, _("Saved."))
        return redirect(next_url or "drivers_home:me")
    return render(
        request,
        "drivers_home/profile.html",
        {
            "form": form,
            "next": next_url,
            "notice_version": PRIVACY_NOTICE_VERSION,
            "first_time": instance is None,
            **rules_context(),
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "drivers_home/privacy.html", {"notice_version": PRIVACY_NOTICE_VERSION, **rules_context()})


@role_required(Role.DRIVER)
def me(request: HttpRequest) -> HttpResponse:
    profile = _profile(request.user)
    checkins = (
        CheckIn.objects.visible_to(request.user)
        .select_related("site")
        .prefetch_related("services")
        .order_by("-created")
    )
    page = Paginator(checkins, 20).get_page(request.GET.get("page"))
    requests = list(FloatingMemberRequest.objects.visible_to(request.user).select_related("organisation")[:5])
    return render(request, "drivers_home/me.html", {"profile": profile, "page": page, "floating_requests": requests})


@role_required(Role.DRIVER)
def my_data(request: HttpRequest) -> HttpResponse:
    data = services.driver_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@role_required(Role.DRIVER)
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm."))
            return redirect("drivers_home:delete_account")
        user = request.user
        logout(request)
        services.driver_account_delete(user=user)
        return render(request, "drivers_home/deleted.html")
    return render(request, "drivers_home/delete.html")


@role_required(Role.DRIVER)
def floating_request(request: HttpRequest) -> HttpResponse:
    """ "I am a party member": sent to the park of the driver's latest check-in."""
    last = CheckIn.objects.visible_to(request.user).select_related("site__park").order_by("-created").first()
    waiting = FloatingMemberRequest.objects.visible_to(request.user).pending().first()
    form = FloatingRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if last is None:
            raise Http404
        if form.is_valid():
            try:
                services.floating_request_create(driver=request.user, park=last.site.park, **form.cleaned_data)
            except IntegrityError:
                pass  # a concurrent twin already made the one waiting request
            messages.success(request, _("Thank you. The park's party office will contact you."))
            return redirect("drivers_home:me")
    return render(request, "drivers_home/floating_form.html", {"form": form, "last": last, "waiting": waiting})
