"""Pages for the logistics registers kept by hand or from files: the carriers' tariffs and the platforms'
price benchmarks (/logistics/prices/, with their Excel export) and the Excel imports of parcels, tariffs
and benchmarks (/logistics/import/<table>/, all or nothing, every row error listed; see `imports`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.excel import MAX_ROWS, XLSX_CONTENT_TYPE, ExportFile, ImportInvalid
from xiangcun.core.excel_views import ImportForm
from xiangcun.core.pages import add_service_error
from xiangcun.core.sheets import Col, export_filename, table_workbook
from xiangcun.stations.selectors import TZ

from . import imports, selectors, services
from .choices import Direction


def _table(name: str) -> imports.Table:
    table = imports.TABLES.get(name)
    if table is None:
        raise Http404
    return table


def _download(content: bytes, filename: str, ascii_filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = ExportFile(content, filename, ascii_filename).content_disposition
    return response


class UploadForm(ImportForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "county" in self.fields:
            self.fields["county"].help_text = gettext_lazy("Superusers: the county the rows belong to.")


RETURN_TO = {
    "shipments": "logistics:ledger",
    "tariffs": "logistics:prices",
    "price-benchmarks": "logistics:prices",
}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, table: str):
    """GET: the upload form with the columns explained. POST: import all or nothing; on errors the form
    again with every row error (400), on success back to the list with the count."""
    spec = _table(table)
    user = request.user
    if not imports.can_import(user, spec):
        raise DjangoPermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=user)
    context = {
        "form": form,
        "table": spec,
        "headers": [(h, f.required) for f, h in zip(spec.fields, spec.headers().values(), strict=True)],
        "max_rows": MAX_ROWS,
        "row_errors": [],
        "file_error": "",
        "return_to": RETURN_TO[spec.name],
    }
    if request.method == "GET":
        return render(request, "logistics/import.html", context)
    if form.is_valid():
        county = form.cleaned_data.get("county") or user.county
        try:
            count = imports.import_table(
                actor=user, county=county, table=spec, upload=form.cleaned_data["file"]
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except ImportInvalid as exc:
            context["file_error"] = exc.message
            context["row_errors"] = exc.rows
        except ApplicationError as exc:
            context["file_error"] = exc.message
        else:
            messages.success(
                request, _("Imported %(count)s rows of %(table)s.") % {"count": count, "table": spec.label}
            )
            return redirect(RETURN_TO[spec.name])
    return render(request, "logistics/import.html", context, status=400)


@login_required
@require_GET
def import_template(request, table: str):
    """An empty workbook with the table's headers, to fill in and upload."""
    spec = _table(table)
    county = request.user.county.code if request.user.county_id else "all"
    content, filename = imports.template_workbook(spec, county_code=county)
    return _download(content, filename, export_filename(county, spec.name, "template"))


# --- tariffs and price benchmarks -----------------------------------------------------------------------


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


class TariffForm(forms.Form):
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=None)
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=Direction.choices)
    first_weight_kg = forms.DecimalField(label=gettext_lazy("First weight (kg)"), initial=1, min_value=0)
    first_price = forms.DecimalField(label=gettext_lazy("Price of the first weight (yuan)"), min_value=0)
    extra_price_per_kg = forms.DecimalField(label=gettext_lazy("Price per further kg (yuan)"), min_value=0)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=_date_input())
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False, widget=_date_input())
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["carrier"].queryset = selectors.carrier_list(user=user).order_by("name")


class BenchmarkForm(forms.Form):
    source = forms.CharField(
        label=gettext_lazy("Platform and area"),
        max_length=100,
        help_text=gettext_lazy("e.g. 淘宝 河北省内 (what sellers there pay for this weight)."),
    )
    weight_kg = forms.DecimalField(label=gettext_lazy("Weight (kg)"), min_value=0)
    price = forms.DecimalField(label=gettext_lazy("Price (yuan)"), min_value=0)
    observed_on = forms.DateField(label=gettext_lazy("Observed on"), widget=_date_input())
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def prices(request):
    """Carriers' tariffs and the platforms' price benchmarks, with the comparison R3 asks for (the
    county's cheapest upstream price for each benchmark's weight); the bureau and contractor add rows."""
    user = request.user
    can_manage = has_capability(user, "logistics.manage_carrier")
    if request.method == "POST" and not can_manage:
        raise DjangoPermissionDenied
    which = request.POST.get("form")
    tariff_form = TariffForm(request.POST if which == "tariff" else None, user=user, prefix="tariff")
    benchmark_form = BenchmarkForm(request.POST if which == "benchmark" else None, prefix="benchmark")
    if request.method == "POST":
        form = tariff_form if which == "tariff" else benchmark_form if which == "benchmark" else None
        if form is None:
            return HttpResponse(
                _("Say which form was sent."), status=400, content_type="text/plain; charset=utf-8"
            )
        if form.is_valid():
            try:
                if form is tariff_form:
                    services.tariff_record(actor=user, **form.cleaned_data)
                else:
                    if user.county_id is None:
                        raise ApplicationError(
                            _("Only a county's bureau or contractor records price benchmarks.")
                        )
                    services.benchmark_record(actor=user, county=user.county, **form.cleaned_data)
            except (ApplicationError, ValidationError) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("logistics:prices")
    county = user.county
    context = {
        "tariffs": selectors.tariff_list(user=user).order_by("carrier__name", "direction", "-valid_from"),
        "benchmarks": selectors.benchmark_list(user=user).order_by("source", "weight_kg", "-observed_on"),
        "comparison": selectors.price_comparison(
            user=user, county=county, on=timezone.localdate(timezone.now(), TZ)
        )
        if county
        else [],
        "tariff_form": tariff_form if can_manage else None,
        "benchmark_form": benchmark_form if can_manage else None,
        "can_manage": can_manage,
    }
    failed = tariff_form.errors or benchmark_form.errors
    return render(request, "logistics/prices.html", context, status=400 if failed else 200)


@login_required
@require_GET
def prices_export(request):
    """Both lists in one workbook per list: `?table=tariffs` (default) or `?table=price-benchmarks`."""
    user = request.user
    table = request.GET.get("table") or "tariffs"
    if table not in ("tariffs", "price-benchmarks"):
        return HttpResponse(_("Unknown table."), status=400, content_type="text/plain; charset=utf-8")
    spec = imports.TABLES[table]
    headers = spec.headers()
    if table == "tariffs":
        rows = (
            [
                t.carrier.name,
                str(Direction(t.direction).label),
                t.first_weight_kg,
                t.first_price,
                t.extra_price_per_kg,
                t.valid_from.isoformat(),
                t.valid_until.isoformat() if t.valid_until else "",
                t.note,
            ]
            for t in selectors.tariff_list(user=user).order_by("carrier__name", "direction", "valid_from")
        )
    else:
        rows = (
            [b.source, b.weight_kg, b.price, b.observed_on.isoformat(), b.note]
            for b in selectors.benchmark_list(user=user).order_by("source", "weight_kg", "observed_on")
        )
    columns = [Col(headers[f.key], f.kind, f.width) for f in spec.fields]
    county = user.county.code if user.county_id else "all"
    now = timezone.now()
    stamp = timezone.localtime(now, TZ).strftime("%Y%m%d")
    content = table_workbook(
        title=_("%(table)s · exported %(when)s")
        % {"table": spec.label, "when": timezone.localtime(now, TZ).strftime("%Y-%m-%d %H:%M")},
        sheet_name=str(spec.label),
        columns=columns,
        rows=rows,
        properties={
            "xiangcun.report": spec.name,
            "xiangcun.county": county,
            "xiangcun.exported_at": now.isoformat(),
        },
    )
    return _download(
        content, export_filename(county, str(spec.label), stamp), export_filename(county, spec.name, stamp)
    )


urlpatterns = [
    path("prices/", prices, name="prices"),
    path("prices/export.xlsx", prices_export, name="prices_export"),
    path("import/<slug:table>/", import_page, name="import"),
    path("import/<slug:table>/template.xlsx", import_template, name="import_template"),
]
