"""The desk at a site (tablet or browser): today at my site, and checking in a driver without a smartphone."""

from __future__ import annotations

from html import escape as html_escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from drivers_home import services, stats
from drivers_home.forms import DeskCheckInForm
from drivers_home.models import Site
from drivers_home.views.driver import rules_context
from parkportal.masking import mask_phone, mask_plate
from parkportal.roles import Role
from parkportal.rows import PreparedQuery, stand_in_user
from parkportal.scoping import get_visible_or_404, role_required


def _get_site_for_user(user, pk: int) -> Site:
    return get_visible_or_404(Site, user, pk=pk)  # (the desk's pages never show the site's park)


@role_required(Role.DESK)
def desk_home(request: HttpRequest) -> HttpResponse:
    sites = list(Site.objects.visible_to(request.user).order_by("name"))
    if len(sites) == 1:
        return redirect("drivers_home:desk_today", pk=sites[0].pk)
    return render(request, "drivers_home/desk_sites.html", {"sites": sites})


#: Rows of "inside now" per page.
INSIDE_PAGE_SIZE = 50


def desk_site_queryset(user, pk: int, since, until):
    """The desk's site as `visible_to(user)` finds it, with `inside`: its check-ins from `since` up to `until`,
    counted as they are (no join), in the same statement."""
    inside = (
        stats.inside_now_checkins(OuterRef("pk"), since, until)
        .order_by()
        .values("site")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Site.objects.visible_to(user).filter(pk=pk).annotate(inside=Coalesce(Subquery(inside), 0))


# The desk page's statements, compiled once per connection (parkportal.rows.PreparedQuery): building and compiling
# the scoped site's look-up, the count and the page's rows was about a third of the page's CPU (4.4 -> 2.6 ms).
_desk_site = PreparedQuery(
    "desk_site",
    lambda _shape, user_id, park_id, pk, since, until: desk_site_queryset(
        stand_in_user(Role.DESK, user_id, park_id), pk, since, until
    ),
)
_inside_page = PreparedQuery(
    "desk_inside_page",
    lambda offset, site_id, since: stats.inside_now(stats.inside_now_checkins(site_id, since))[
        offset : offset + INSIDE_PAGE_SIZE
    ],
)


class _InsideNow:
    """Who is inside now as Paginator reads its pages: from a prepared statement (the count came with the site)."""

    def __init__(self, site_id: int, since):
        self.site_id, self.since = site_id, since

    def __getitem__(self, page: slice) -> list:
        if page.stop <= page.start:
            return []
        return _inside_page.rows(self.site_id, self.since, shape=page.start)[: page.stop - page.start]


@role_required(Role.DESK)
def desk_today(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if user.park_id is None:  # visible_to finds nothing for staff without a park
        raise Http404
    # One window start for the count and the rows.
    since = stats.inside_now_since()
    until = stats.inside_now_until(since)
    found = _desk_site.rows(user.pk, user.park_id, pk, since, until)
    if not found:
        raise Http404
    site = found[0]
    figures = stats.today_at_site(site)
    paginator = Paginator(_InsideNow(site.pk, since), INSIDE_PAGE_SIZE)
    paginator.count = site.inside
    page = paginator.get_page(request.GET.get("page"))
    labels = {
        "time": _("Time"),
        "name": pgettext("person", "Name"),
        "phone": _("Mobile number"),
        "plate": _("Plate number"),
        "desk": _("desk"),
    }
    return render(
        request,
        "drivers_home/desk_today.html",
        {
            "site": site,
            "figures": figures,
            "hour_rows": _hour_rows(figures),
            "page": page,
            "labels": labels,
            "rows": _inside_rows(page, labels),
        },
    )


def _hour_rows(figures: dict) -> SafeString:
    """Today's hour bars, as the template's loop wrote them (one line per hour); integers only."""
    top = int(figures["max_hour"])
    return mark_safe(  # noqa: S308 - integers only
        "".join(
            f'<tr><td>{int(h):02d}:00</td><td><meter min="0" max="{top}" value="{int(n)}"></meter></td>'
            f'<td class="num">{int(n)}</td></tr>\n'
            for h, n in figures["hours"]
        )
    )


#: A row of "inside now", as the template's loop wrote it (each row between two newlines).
INSIDE_ROW = (
    '\n<tr><td data-label="{time_l}">{time}{badge}</td>\n<td data-label="{name_l}">{name}</td>\n'
    '<td data-label="{phone_l}">{phone}</td>\n<td data-label="{plate_l}">{plate}</td></tr>\n'
)


def _inside_rows(page, labels: dict[str, str]) -> SafeString:
    """Up to 50 rows built here rather than by a template loop with five filters per row. Every value and label is
    escaped (html.escape, which Django's escape wraps); a test compares with the old loop on hostile values."""
    e = {k: html_escape(str(v)) for k, v in labels.items()}
    badge = f' <span class="badge">{e["desk"]}</span>'
    tz = timezone.get_current_timezone()
    out = [
        INSIDE_ROW.format(
            time_l=e["time"],
            time=f"{c['created'].astimezone(tz):%H:%M}",  # = |date:"H:i" (timezone.localtime, once per page)
            badge=badge if c["via"] == "desk" else "",
            name_l=e["name"],
            name=html_escape(str(c["driver__driver_profile__name"] or "—")),
            phone_l=e["phone"],
            phone=html_escape(mask_phone(c["driver__phone"]) or "—"),
            plate_l=e["plate"],
            plate=html_escape(mask_plate(c["driver__driver_profile__plate"]) or "—"),
        )
        for c in page
    ]
    return mark_safe("".join(out))  # noqa: S308 - every value in it is escaped above


@role_required(Role.DESK)
def desk_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    site = _get_site_for_user(request.user, pk)
    form = DeskCheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _checkin, created, new_driver = services.desk_checkin(
                site=site,
                staff=request.user,
                phone=data["phone"],
                plate=data["plate"],
                name=data["name"],
                spoken_consent=data["spoken_consent"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            if not created:
                messages.info(request, _("This driver is already checked in (within the window)."))
            elif new_driver:
                messages.success(request, _("New driver recorded with his spoken consent, and checked in."))
            else:
                messages.success(request, _("Checked in."))
            return redirect("drivers_home:desk_today", pk=site.pk)
    return render(request, "drivers_home/desk_checkin.html", {"site": site, "form": form, **rules_context()})
