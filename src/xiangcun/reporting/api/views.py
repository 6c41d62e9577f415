"""Report endpoints: station and township rankings, the county's monthly trend, Excel exports.

All read the rollups (`reporting.selectors`), scoped to the caller; the one exception is a station's
ledger export, which reads that station's entries. Bad parameters answer 400 with field errors, a county
or station outside the caller's scope 404.
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from xiangcun.core.excel_api import XlsxRenderer
from xiangcun.reporting import exports, selectors

from .serializers import (
    XLSX,
    LedgerQuerySerializer,
    PeriodQuerySerializer,
    ReportQuerySerializer,
    StationQuerySerializer,
    StationTableSerializer,
    TableExportQuerySerializer,
    TownshipTableSerializer,
    TrendSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Bad parameters (field errors)."),
    401: OpenApiResponse(description="Not signed in."),
    404: OpenApiResponse(description="Unknown county (or station), or outside your scope."),
}
DEFINITIONS = (
    "Figures are net of entries later voided. A station-month is a month in which the station was "
    "operating on at least one day. With `month`, each station's figures of that month; without it, the "
    "year: `average` = the entries of its station-months ÷ their number (`months`), `total` = every entry "
    "of the year. Targets (R2): ≥ 50 proxy-purchase orders and ≥ 2,000 yuan of proxy purchases a month, "
    "terminal online ≥ 95 % (online seconds ÷ opening seconds of its operating days). Ranked with those "
    "falling short of a target first (fewest targets met, then fewest orders, smallest amount, lowest "
    "online rate); stations not operating in the period come last, not judged. A township user sees "
    "their township, a station manager their station."
)


def parse(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def county_of(request, params):
    code = params.get("county")
    if not code and request.user.county_id is None and not request.user.is_superuser:
        raise NotFound(_("No such county in your scope."))
    county = selectors.report_county(user=request.user, code=code)
    if county is None:
        raise NotFound(_("No such county in your scope."))
    return county


def township_of(request, county, params):
    code = params.get("township")
    if not code:
        return None
    township = selectors.report_township(user=request.user, county=county, code=code)
    if township is None:
        raise ValidationError({"township": [_("No such township in your scope.")]})
    return township


def xlsx_response(export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = export.content_disposition
    return response


class StationReportView(APIView):
    @extend_schema(
        operation_id="reports_stations",
        summary="Stations ranked against the monthly targets (a month or a year)",
        description=DEFINITIONS,
        parameters=[StationQuerySerializer],
        responses={200: StationTableSerializer, **ERRORS},
        tags=["reports"],
    )
    def get(self, request):
        params = parse(StationQuerySerializer, request)
        county = county_of(request, params)
        township = township_of(request, county, params)
        table = selectors.station_table(
            user=request.user,
            county=county,
            year=params.get("year") or selectors.default_year(county),
            month=params.get("month"),
            township=township,
        )
        return Response(StationTableSerializer(table).data)


class TownshipReportView(APIView):
    @extend_schema(
        operation_id="reports_townships",
        summary="Townships ranked against the monthly targets (a month or a year)",
        description=(
            "Per township: its stations' figures summed; `average` = per station-month (Σ entries of "
            "its stations' station-months ÷ Σ station-months); the targets judged on those averages and "
            "on the township's online rate (Σ online ÷ Σ opening seconds); the number of its stations "
            "meeting each target. " + DEFINITIONS
        ),
        parameters=[PeriodQuerySerializer],
        responses={200: TownshipTableSerializer, **ERRORS},
        tags=["reports"],
    )
    def get(self, request):
        params = parse(PeriodQuerySerializer, request)
        county = county_of(request, params)
        table = selectors.township_table(
            user=request.user,
            county=county,
            year=params.get("year") or selectors.default_year(county),
            month=params.get("month"),
        )
        return Response(TownshipTableSerializer(table).data)


class CountyReportView(APIView):
    @extend_schema(
        operation_id="reports_county",
        summary="The county's monthly trend of a year beside the previous year",
        description=(
            "Per month: net entries and amounts per service kind, the online rate and the stations "
            "operating, beside the same month of the previous year, with year-on-year growth in percent "
            "(this ÷ last − 1; null when last year's figure is zero); the year's totals likewise. A "
            "township user gets their township's series, a station manager their station's (`level`)."
        ),
        parameters=[ReportQuerySerializer],
        responses={200: TrendSerializer, **ERRORS},
        tags=["reports"],
    )
    def get(self, request):
        params = parse(ReportQuerySerializer, request)
        county = county_of(request, params)
        year = params.get("year") or selectors.default_year(county)
        trend = selectors.county_trend(user=request.user, county=county, year=year)
        if trend is None:
            raise NotFound(_("No such county in your scope."))
        return Response(TrendSerializer(trend).data)


class StationTableExportView(APIView):
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer]

    @extend_schema(
        operation_id="reports_stations_export",
        summary="The monthly station table of a year as .xlsx",
        description=(
            "One row per station and month in which it operated or recorded entries: net entries and "
            "amounts per service kind, totals, online and opening hours, online rate, the three targets. "
            "From the rollups; scoped like the station report."
        ),
        parameters=[TableExportQuerySerializer],
        responses={(200, exports.XLSX_CONTENT_TYPE): XLSX, **ERRORS},
        tags=["reports"],
    )
    def get(self, request):
        params = parse(TableExportQuerySerializer, request)
        county = county_of(request, params)
        township = township_of(request, county, params)
        export = exports.station_table_workbook(
            user=request.user,
            county=county,
            year=params.get("year") or selectors.default_year(county),
            township=township,
        )
        return xlsx_response(export)


class StationLedgerExportView(APIView):
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer]

    @extend_schema(
        operation_id="reports_station_ledger_export",
        summary="A station's ledger of a month or a year as .xlsx",
        description=(
            "Every entry of the station in the period, oldest first, with its status (voided entries "
            "included). A station manager may export only their own station."
        ),
        parameters=[LedgerQuerySerializer],
        responses={(200, exports.XLSX_CONTENT_TYPE): XLSX, **ERRORS},
        tags=["reports"],
    )
    def get(self, request, code: str):
        params = parse(LedgerQuerySerializer, request)
        county = county_of(request, params)
        station = selectors.report_station(user=request.user, county=county, code=code)
        if station is None:
            raise NotFound(_("No such station in your scope."))
        export = exports.station_ledger_workbook(
            user=request.user,
            station=station,
            year=params.get("year") or selectors.default_year(county),
            month=params.get("month"),
        )
        return xlsx_response(export)
