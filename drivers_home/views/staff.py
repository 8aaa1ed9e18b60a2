"""Park staff: sites and their posters, traffic over any period (with Excel), floating-member requests."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers_home import services, stats
from drivers_home.forms import AcceptFloatingForm, PeriodForm
from drivers_home.models import CheckIn, DriverProfile, FloatingMemberRequest, Site
from parkportal.audit import log_access
from parkportal.excel import xlsx_response
from parkportal.masking import mask_phone
from parkportal.memo import KeyedMemo, generation_memo
from parkportal.roles import Role
from parkportal.scoping import get_visible_or_404, role_required


def _get_site_for_user(user, pk: int) -> Site:
    return get_visible_or_404(Site.objects.select_related("park"), user, pk=pk)


@role_required(Role.PARK_ADMIN)
def site_list(request: HttpRequest) -> HttpResponse:
    sites = Site.objects.visible_to(request.user).prefetch_related("services", "desk_staff").order_by("name")
    return render(request, "drivers_home/site_list.html", {"sites": sites})


@role_required(Role.PARK_ADMIN, Role.DESK)
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 poster: the site, what it offers, and a QR code to its page (token in the URL)."""
    site = _get_site_for_user(request.user, pk)
    url = settings.SITE_URL + reverse("drivers_home:site", kwargs={"token": site.token})
    qr = segno.make(url, error="m")
    return render(
        request,
        "drivers_home/poster.html",
        {"site": site, "url": url, "qr_uri": qr.svg_data_uri(scale=10, border=2, dark="#000")},
    )


def _period(request: HttpRequest):
    form = PeriodForm(request.GET or None)
    return form, *form.period()


#: The traffic page's content (drivers_home/_traffic_content.html) for a whole park over a period ending today, kept
#: in the process under stats.traffic_today's key (read before anything is computed), the language and the period
#: fields as sent. A year at the large park: ≈ 1,100 rows written, two cache reads, the names' query and the
#: template, ≈ 2.5 ms of CPU per request, become a look-up. About 45 KB an entry.
_content_memo = generation_memo(max_entries=32)


@role_required(Role.PARK_ADMIN, Role.SECRETARY)
def traffic(request: HttpRequest) -> HttpResponse:
    # Queries, for a whole park over a period ending today: session, user, today's rows (stats.traffic_today); when
    # the content is not kept: the names, and what the caches lack (stats.traffic).
    form, start, end = _period(request)
    user = request.user
    read = stats.traffic_today(user, start, end)
    if read is None or read.key is None:
        context = _traffic_context(form, stats.traffic(user, start, end, today_read=read))
        return render(request, "drivers_home/traffic.html", {**context, "content": _content(context)})
    made = {}

    def make() -> SafeString:
        made.update(_traffic_context(form, stats.traffic(user, start, end, today_read=read)))
        return _content(made)

    data = form.data
    content = _content_memo.get((read.key, get_language(), form.is_bound, data.get("start"), data.get("end")), make)
    # (The figures are in the context only when computed: the tests read them there.)
    return render(request, "drivers_home/traffic.html", {**made, "content": content})


def _content(context: dict) -> SafeString:
    return mark_safe(render_to_string("drivers_home/_traffic_content.html", context))  # noqa: S308 - a template's


def _traffic_context(form, figures: dict) -> dict:
    # Up to 1,098 rows per day: built here in one pass instead of a template loop of filters and lookups
    # per row. Only ISO dates and integers go in, so there is nothing to escape.
    top = int(figures["max_day"])
    day_rows = mark_safe(  # noqa: S308
        "".join(
            [
                f'<tr><td>{d}</td><td><meter min="0" max="{top}" value="{n}"></meter></td><td class="num">{n}</td></tr>'
                for d, n in figures["days"]  # (str(date) is its ISO form; the counts are ints from the database)
            ]
        )
    )
    hour_top = int(figures["max_hour"])
    hour_rows = mark_safe(  # noqa: S308 - integers only
        "".join(
            f'<tr><td>{int(h):02d}:00</td><td><meter min="0" max="{hour_top}" value="{int(n)}"></meter></td>'
            f'<td class="num">{int(n)}</td></tr>'
            for h, n in figures["hours"]
        )
    )
    return {
        "form": form,
        "fields": _period_fields(form),
        "f": figures,
        "day_rows": day_rows,
        "hour_rows": hour_rows,
        "site_rows": _name_rows((s["site__name"], s["n"]) for s in figures["sites"]),
        "service_rows": _name_rows(figures["services"]),
        "province_rows": _name_rows((p["key"], p["n"]) for p in figures["provinces"]),
        # = |date:"Y-m-d" (PeriodForm keeps the years within 2000-2100), without a filter call each
        "start_iso": figures["start"].isoformat(),
        "end_iso": figures["end"].isoformat(),
    }


def _name_rows(rows) -> SafeString:
    """A panel's rows of (name, count), as the template's loop wrote them ("—" for none): names escaped."""
    out = "".join(f'<tr><td>{conditional_escape(name)}</td><td class="num">{int(n)}</td></tr>' for name, n in rows)
    return mark_safe(out or "<tr><td>—</td></tr>")  # noqa: S308 - names escaped, integers


#: The period fields' HTML by (language, bound, start, end as sent): a function of exactly these (labels, errors
#: and input formats follow the language). Bounded: the values come from the query string.
_period_fields_memo = KeyedMemo()


def _period_fields(form) -> SafeString:
    data = form.data
    key = (get_language(), form.is_bound, data.get("start"), data.get("end"))
    return _period_fields_memo.get(
        key,
        lambda: mark_safe("".join(field_html(field) for field in form)),  # noqa: S308 - Django's renderings
    )


def field_html(field) -> str:
    """What drivers_home/_field.html writes for a (non-checkbox) field, without its include and without a template
    rendering for an empty error list: the period form's two date fields on the traffic page."""
    if field.widget_type == "checkbox":
        return render_to_string("drivers_home/_field.html", {"field": field})
    help_text = f'<span class="helptext">{conditional_escape(field.help_text)}</span>' if field.help_text else ""
    errors = field.errors if field.errors else ""
    return f'<div class="field">{field.label_tag()}{field}\n{help_text}{errors}</div>\n'  # the file's last newline


@role_required(Role.PARK_ADMIN, Role.SECRETARY)
def traffic_export(request: HttpRequest) -> HttpResponse:
    _form, start, end = _period(request)
    f = stats.traffic(request.user, start, end)
    rows: list[list] = [[_("Day"), d.isoformat(), n] for d, n in f["days"]]
    rows += [[_("Hour"), f"{h:02d}:00", n] for h, n in f["hours"]]
    rows += [[_("Site"), s["site__name"], s["n"]] for s in f["sites"]]
    rows += [[_("Service"), name, n] for name, n in f["services"]]
    rows += [[_("Home province"), p["key"], p["n"]] for p in f["provinces"]]
    rows += [
        [_("Total"), "", f["total"]],
        [_("Distinct drivers"), "", f["distinct_drivers"]],
        [_("Repeat visitors"), "", f["repeat_visitors"]],
        [_("Floating members found"), "", f["floating_found"]],
        [_("Floating members accepted"), "", f["floating_accepted"]],
    ]
    return xlsx_response(
        f"drivers-home-traffic-{start.isoformat()}-{end.isoformat()}",
        [_("Figure"), _("Of"), _("Check-ins")],
        rows,
        title=_("Traffic"),
    )


@role_required(Role.PARK_ADMIN)
def floating_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or FloatingMemberRequest.Status.PENDING
    if status not in FloatingMemberRequest.Status.values:
        status = FloatingMemberRequest.Status.PENDING
    qs = (
        FloatingMemberRequest.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("driver__driver_profile", "organisation")
        .order_by("-created", "-pk")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "drivers_home/floating_list.html",
        {"page": page, "status": status, "statuses": FloatingMemberRequest.Status.choices},
    )


def _get_floating_for_user(user, pk: int) -> FloatingMemberRequest:
    return get_visible_or_404(
        FloatingMemberRequest.objects.select_related("driver__driver_profile", "organisation"), user, pk=pk
    )


@role_required(Role.PARK_ADMIN)
def floating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_floating_for_user(request.user, pk)
    log_access(request.user, item.driver)
    form = AcceptFloatingForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.floating_request_accept(
                request=item, organisation=form.cleaned_data["organisation"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Accepted: he now appears in the organisation as a floating member."))
            return redirect("drivers_home:floating_list")
    return render(request, "drivers_home/floating_detail.html", {"item": item, "form": form})


@require_POST
@role_required(Role.PARK_ADMIN)
def floating_decline(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_floating_for_user(request.user, pk)
    try:
        services.floating_request_decline(request=item, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("drivers_home:floating_list")


@role_required(Role.PARK_ADMIN)
def driver_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A driver's details, for the park's staff; every opening is recorded (parkportal.audit)."""
    profile = get_visible_or_404(DriverProfile.objects.select_related("user"), request.user, pk=pk)
    log_access(request.user, profile.user)
    checkins = (
        CheckIn.objects.visible_to(request.user)
        .filter(driver_id=profile.user_id)
        .select_related("site")
        .order_by("-created")[:50]
    )
    return render(
        request,
        "drivers_home/driver_detail.html",
        {"profile": profile, "phone": mask_phone(profile.user.phone), "checkins": checkins},
    )
