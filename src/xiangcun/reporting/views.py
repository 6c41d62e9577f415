"""Report pages: stations and townships ranked against the monthly targets, the county's trends, and
the Excel exports behind their buttons. Everything is read from the rollups (`reporting.selectors`)
except a station's ledger export. Bad parameters answer 400 with the form's errors; a county or station
outside the user's scope 404.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xiangcun.regions.selectors import county_list

from . import exports, selectors

MONTHS = [
    ("", gettext_lazy("Whole year")),
    *[(str(m), f"{m:02d}") for m in range(1, 13)],
]


class ReportFilterForm(forms.Form):
    """`county` (superusers), `year`, `month` (empty: the whole year), `township` (a township code)."""

    county = forms.RegexField(
        regex=r"^\d{6}$",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": gettext_lazy("A county code has exactly 6 digits.")},
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=selectors.YEAR_MIN, max_value=selectors.YEAR_MAX, required=False
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"), choices=MONTHS, coerce=int, empty_value=None, required=False
    )
    township = forms.RegexField(
        label=gettext_lazy("Township"),
        regex=r"^\d{12}$",
        required=False,
        error_messages={"invalid": gettext_lazy("A township code has exactly 12 digits.")},
    )

    def __init__(self, data, *, fields=("county", "year", "month", "township")):
        super().__init__({k: v for k, v in data.items() if k in fields})
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]

    def offer(self, *, years: list[int], townships=None) -> None:
        """Turn the year (and township) inputs into lists of what there is to choose."""
        self.fields["year"].widget = forms.Select(choices=[(y, y) for y in years])
        if townships is not None and "township" in self.fields:
            self.fields["township"].widget = forms.Select(
                choices=[("", _("All townships")), *[(t.code, t.name) for t in townships]]
            )


class Context:
    """The parsed query: the county, year, month and township (None: all) of a report page."""

    def __init__(self, request, fields):
        self.request = request
        self.form = ReportFilterForm(request.GET, fields=fields)
        self.valid = self.form.is_valid()
        data = self.form.cleaned_data if self.valid else {}
        self.county = selectors.report_county(user=request.user, code=data.get("county") or None)
        if self.county is None:
            raise Http404(_("No such county in your scope."))
        self.year = data.get("year") or selectors.default_year(self.county)
        self.month = data.get("month")
        self.township = None
        self.townships = list(selectors.report_townships(user=request.user, county=self.county))
        if data.get("township"):
            self.township = selectors.report_township(
                user=request.user, county=self.county, code=data["township"]
            )
            if self.township is None:
                self.form.add_error("township", _("No such township in your scope."))
                self.valid = False
        self.form.offer(years=selectors.year_choices(self.county, self.year), townships=self.townships)

    def base(self, **more) -> dict:
        user = self.request.user
        return {
            "form": self.form,
            "county": self.county,
            "year": self.year,
            "month": self.month,
            "township": self.township,
            "county_query": f"county={self.county.code}&" if user.is_superuser else "",
            "counties": county_list(user=user) if user.is_superuser else None,
            "targets": {
                "orders": selectors.ORDERS_TARGET,
                "amount": selectors.TURNOVER_TARGET,
                "online": selectors.ONLINE_TARGET,
            },
            **more,
        }


def _invalid(request, template: str, ctx: Context):
    return render(request, template, ctx.base(invalid=True), status=400)


@require_GET
@login_required
def index(request):
    return redirect("reporting:stations")


@require_GET
@login_required
def stations(request):
    """`?year=&month=&township=`: stations ranked with those falling short of a target first."""
    ctx = Context(request, ("county", "year", "month", "township"))
    template = "reporting/stations.html"
    if not ctx.valid:
        return _invalid(request, template, ctx)
    table = selectors.station_table(
        user=request.user, county=ctx.county, year=ctx.year, month=ctx.month, township=ctx.township
    )
    return render(request, template, ctx.base(table=table))


@require_GET
@login_required
def townships(request):
    """`?year=&month=`: townships ranked with those falling short first."""
    ctx = Context(request, ("county", "year", "month"))
    template = "reporting/townships.html"
    if not ctx.valid:
        return _invalid(request, template, ctx)
    table = selectors.township_table(user=request.user, county=ctx.county, year=ctx.year, month=ctx.month)
    return render(request, template, ctx.base(table=table))


@require_GET
@login_required
def county(request):
    """`?year=`: the monthly trends of the year beside the previous year (ECharts and a table)."""
    ctx = Context(request, ("county", "year"))
    template = "reporting/county.html"
    if not ctx.valid:
        return _invalid(request, template, ctx)
    trend = selectors.county_trend(user=request.user, county=ctx.county, year=ctx.year)
    if trend is None:
        raise Http404(_("No such county in your scope."))
    return render(request, template, ctx.base(trend=trend, chart=chart_data(trend)))


def chart_data(trend: selectors.Trend) -> dict:
    """The series the charts draw (numbers as JSON numbers: amounts in yuan, rates in percent)."""
    from xiangcun.stations.choices import ServiceKind

    def num(value):
        return None if value is None else float(value)

    return {
        "months": [f"{m.month:%m}" for m in trend.months],
        "year": trend.year,
        "previous_year": trend.year - 1,
        "target_orders": selectors.ORDERS_TARGET,
        "target_online": selectors.ONLINE_TARGET,
        "purchase_orders": [m.figures.purchase_orders for m in trend.months],
        "purchase_orders_previous": [m.previous.purchase_orders for m in trend.months],
        "purchase_amount": [num(m.figures.purchase_amount) for m in trend.months],
        "purchase_amount_previous": [num(m.previous.purchase_amount) for m in trend.months],
        "total_amount": [num(m.figures.total_amount) for m in trend.months],
        "total_amount_previous": [num(m.previous.total_amount) for m in trend.months],
        "stations": [m.stations for m in trend.months],
        "kinds": [
            {
                "kind": kind,
                "label": str(ServiceKind(kind).label),
                "amounts": [num(m.figures.amounts[kind]) for m in trend.months],
                "counts": [m.figures.counts[kind] for m in trend.months],
            }
            for kind in selectors.KINDS
        ],
        "online_rate": [num(m.online_rate) for m in trend.months],
        "online_rate_previous": [num(m.previous_online_rate) for m in trend.months],
        "labels": {
            "orders": _("Proxy-purchase orders"),
            "amount": _("Proxy-purchase amount (yuan)"),
            "total": _("All services (yuan)"),
            "online": _("Online rate (%)"),
            "target": _("Target"),
            "per_station": _("per station"),
        },
    }


def _xlsx(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = export.content_disposition
    return response


def _plain_400(ctx: Context) -> HttpResponse:
    errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in ctx.form.errors.items())
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


@require_GET
@login_required
def stations_export(request):
    """The monthly station table of `?year=` (and `?township=`) as .xlsx, from the rollups."""
    ctx = Context(request, ("county", "year", "township"))
    if not ctx.valid:
        return _plain_400(ctx)
    return _xlsx(
        exports.station_table_workbook(
            user=request.user, county=ctx.county, year=ctx.year, township=ctx.township
        )
    )


@require_GET
@login_required
def station_ledger_export(request, code: str):
    """A station's ledger of `?year=` (and `?month=`) as .xlsx; only stations in the user's scope."""
    ctx = Context(request, ("county", "year", "month"))
    if not ctx.valid:
        return _plain_400(ctx)
    station = selectors.report_station(user=request.user, county=ctx.county, code=code)
    if station is None:
        raise Http404(_("No such station in your scope."))
    return _xlsx(
        exports.station_ledger_workbook(user=request.user, station=station, year=ctx.year, month=ctx.month)
    )
