from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from drivers_home.models import DailyStat
from drivers_home.services import checkin_create, checkin_set_services, stats_rebuild


def test_traffic_figures(client, alice, dan, dave, home, station, services):
    now = timezone.now()
    a, _ = checkin_create(driver=dan, site=home, now=now - timedelta(days=3))
    checkin_create(driver=dan, site=home, now=now - timedelta(days=1))
    checkin_create(driver=dave, site=station, now=now - timedelta(hours=1))
    checkin_set_services(checkin=a, services=[services[0], services[2]])
    client.force_login(alice)
    f = client.get("/home/traffic/").context["f"]
    assert f["total"] == 3
    assert f["distinct_drivers"] == 2
    assert f["repeat_visitors"] == 1
    assert {s["site__name"]: s["n"] for s in f["sites"]} == {home.name: 2, station.name: 1}
    assert dict(f["services"]) == {services[0].name: 1, services[2].name: 1}
    assert [(p["key"], p["n"]) for p in f["provinces"]] == [("四川", 2), ("湖南", 1)]
    assert sum(n for _d, n in f["days"]) == 3 and sum(n for _h, n in f["hours"]) == 3


def test_period_filter_and_bad_dates(client, alice, dan, home):
    checkin_create(driver=dan, site=home, now=timezone.now() - timedelta(days=40))
    client.force_login(alice)
    assert client.get("/home/traffic/").context["f"]["total"] == 0
    start = (timezone.localdate() - timedelta(days=60)).isoformat()
    assert client.get(f"/home/traffic/?start={start}").context["f"]["total"] == 1
    for bad in ["start=2026-02-30", "start=0001-01-01&end=0001-01-02", "end=9999-12-31", "start=x&end=%00"]:
        assert client.get(f"/home/traffic/?{bad}").status_code == 200


def test_secretary_sees_park_counts(client, sam, dan, home):
    checkin_create(driver=dan, site=home)
    client.force_login(sam)
    response = client.get("/home/traffic/")
    assert response.status_code == 200
    assert response.context["f"]["total"] == 1


def test_excel_export(client, alice, dan, home):
    checkin_create(driver=dan, site=home)
    client.force_login(alice)
    response = client.get("/home/traffic/export.xlsx")
    assert response.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert ("Total", "", 1) in [tuple(r) for r in rows] or any(r[2] == 1 and r[0] in ("Total", "合计") for r in rows)
    assert "13812341234" not in response.content.decode("latin-1")


def test_the_summary_agrees_with_a_rebuild(dan, dave, home, station, services):
    now = timezone.now()
    for i, (driver, site) in enumerate([(dan, home), (dave, home), (dave, station), (dan, station)]):
        c, _ = checkin_create(driver=driver, site=site, now=now - timedelta(hours=3 * i))
        checkin_set_services(checkin=c, services=[services[0]])
    live = sorted(DailyStat.objects.values_list("site_id", "day", "kind", "key", "count"))
    stats_rebuild(site_ids=[home.pk, station.pk])
    rebuilt = sorted(DailyStat.objects.values_list("site_id", "day", "kind", "key", "count"))
    assert live == rebuilt


_OLD_FIELDS = '{% for field in form %}{% include "drivers_home/_field.html" %}{% endfor %}'
_OLD_HOURS = (
    '{% for h, n in f.hours %}<tr><td>{{ h|stringformat:"02d" }}:00</td><td><meter min="0" max="{{ f.max_hour }}" '
    'value="{{ n }}"></meter></td><td class="num">{{ n }}</td></tr>{% endfor %}'
)


@pytest.mark.parametrize(
    "query", ["", "start=2026-01-01&end=2026-02-01", "start=bogus&end=1999-01-01", 'start="><b>&end=2026-13-01']
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_traffic_fields_and_hours_are_the_template_loops(client, alice, dan, home, query, language):
    """The period fields and the hour bars are written in the view: the same HTML as the template's loops wrote
    (the _field.html include per field, with errors and escaped values; a meter per hour)."""
    from django.template import engines
    from django.utils import translation

    from drivers_home.views.staff import field_html

    checkin_create(driver=dan, site=home, now=timezone.now() - timedelta(hours=1))
    client.force_login(alice)
    with translation.override(language):
        response = client.get(f"/home/traffic/?{query}", HTTP_ACCEPT_LANGUAGE=language)
        context = response.context
        engine = engines["django"]
        fields = engine.from_string(_OLD_FIELDS).render({"form": context["form"]})
        hours = engine.from_string(_OLD_HOURS).render({"f": context["f"]})
        assert "".join(field_html(f) for f in context["form"]) == fields
    html = response.content.decode()
    assert fields in html and hours in html
    assert "&lt;b&gt;" in fields or "><b>" not in query


_OLD_PANELS = (
    '{% for s in f.sites %}<tr><td>{{ s.site__name }}</td><td class="num">{{ s.n }}</td></tr>{% empty %}<tr><td>—'
    "</td></tr>{% endfor %}\n"
    '{% for name, n in f.services %}<tr><td>{{ name }}</td><td class="num">{{ n }}</td></tr>{% empty %}<tr><td>—'
    "</td></tr>{% endfor %}\n"
    '{% for p in f.provinces %}<tr><td>{{ p.key }}</td><td class="num">{{ p.n }}</td></tr>{% empty %}<tr><td>—'
    "</td></tr>{% endfor %}"
)


@pytest.mark.parametrize("empty", [False, True])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_traffic_panels_are_the_template_loops(client, alice, dan, dave, home, station, services, empty, language):
    """The per-site, per-service and province rows are written in the view (views.staff._name_rows): the same HTML
    as the template's loops, markup in names escaped, "—" for an empty panel."""
    from django.template import engines
    from django.utils import translation

    from drivers_home.models import DriverProfile, Site

    if not empty:
        Site.objects.filter(pk=home.pk).update(name='<b>"家"</b>&')
        services[0].name = "<i>充电</i>"
        services[0].save()
        DriverProfile.objects.filter(user=dan).update(province="<script>")
        for i, driver in enumerate((dan, dave)):
            checkin = checkin_create(driver=driver, site=home if i == 0 else station)[0]
            checkin_set_services(checkin=checkin, services=services[:2])
    client.force_login(alice)
    with translation.override(language):
        response = client.get("/home/traffic/", HTTP_ACCEPT_LANGUAGE=language)
        context = response.context
        old = engines["django"].from_string(_OLD_PANELS).render({"f": context["f"]})
    new = "\n".join(str(context[name]) for name in ("site_rows", "service_rows", "province_rows"))
    assert new == old
    html = response.content.decode()
    assert all(str(context[name]) in html for name in ("site_rows", "service_rows", "province_rows"))
    if empty:
        assert old.count("<tr><td>—</td></tr>") == 3
    else:
        assert "&lt;b&gt;&quot;家&quot;&lt;/b&gt;&amp;" in html and "&lt;i&gt;充电&lt;/i&gt;" in html
        assert "&lt;script&gt;" in html and "<script>" not in old


def test_traffic_day_rows_and_period(client, alice, dan, home):
    """A row per day of the period (ISO date, meter, count), and the period as |date:"Y-m-d" wrote it."""
    checkin_create(driver=dan, site=home, now=timezone.now() - timedelta(days=2))
    client.force_login(alice)
    response = client.get("/home/traffic/?start=2025-12-30&end=2026-01-02")
    f = response.context["f"]
    top = f["max_day"]
    rows = "".join(
        f'<tr><td>{d.isoformat()}</td><td><meter min="0" max="{top}" value="{int(n)}"></meter></td>'
        f'<td class="num">{int(n)}</td></tr>'
        for d, n in f["days"]
    )
    html = response.content.decode()
    assert len(f["days"]) == 4 and rows in html
    assert '<p class="muted">2025-12-30 – 2026-01-02</p>' in html
    assert "export.xlsx?start=2025-12-30&amp;end=2026-01-02" in html
