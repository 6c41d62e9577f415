"""Serializers of the report endpoints: the query parameters, and the answers (also their OpenAPI schema)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.reporting.selectors import KINDS, YEAR_MAX, YEAR_MIN


class ReportQuerySerializer(serializers.Serializer):
    county = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text=_("County code (default: your county). Only superusers may ask for another county."),
        error_messages={"invalid": _("A county code has exactly 6 digits.")},
    )
    year = serializers.IntegerField(
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        required=False,
        help_text=_("Calendar year (Beijing time); default: the latest year with figures."),
    )


class PeriodQuerySerializer(ReportQuerySerializer):
    month = serializers.IntegerField(
        min_value=1,
        max_value=12,
        required=False,
        help_text=_("Month 1–12 of the year; without it, the whole year as monthly averages."),
    )


def _township_field():
    return serializers.RegexField(
        r"^\d{12}$",
        required=False,
        help_text=_("Township code (12 digits): only its stations."),
        error_messages={"invalid": _("A township code has exactly 12 digits.")},
    )


class StationQuerySerializer(PeriodQuerySerializer):
    township = _township_field()


class TableExportQuerySerializer(ReportQuerySerializer):
    township = _township_field()


class LedgerQuerySerializer(PeriodQuerySerializer):
    pass


@extend_schema_field(
    {
        "type": "object",
        "description": "Service kind → {count, amount}.",
        "properties": {
            kind: {
                "type": "object",
                "properties": {"count": {"type": "integer"}, "amount": {"type": "string"}},
            }
            for kind in KINDS
        },
    }
)
class ByKindField(serializers.Field):
    def to_representation(self, figures):
        return {
            kind: {"count": figures.counts[kind], "amount": f"{figures.amounts[kind]:.2f}"} for kind in KINDS
        }


def _money(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


def _tenth(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=1, **kwargs)


class FiguresSerializer(serializers.Serializer):
    """Net entries and amounts (yuan) of a period: entries later voided are not counted."""

    proxy_purchase_orders = serializers.IntegerField(source="purchase_orders")
    proxy_purchase_amount = _money(source="purchase_amount")
    proxy_sale_orders = serializers.IntegerField(source="sale_orders")
    proxy_sale_amount = _money(source="sale_amount")
    other_count = serializers.IntegerField(help_text=_("Every other service kind."))
    other_amount = _money()
    total_count = serializers.IntegerField()
    total_amount = _money()
    by_kind = ByKindField(source="*")


class AveragesSerializer(serializers.Serializer):
    """Figures per station-month (null when there was none)."""

    proxy_purchase_orders = _tenth(source="purchase_orders", allow_null=True)
    proxy_purchase_amount = _money(source="purchase_amount", allow_null=True)
    proxy_sale_orders = _tenth(source="sale_orders", allow_null=True)
    proxy_sale_amount = _money(source="sale_amount", allow_null=True)
    other_count = _tenth(allow_null=True)
    other_amount = _money(allow_null=True)
    total_count = _tenth(allow_null=True)
    total_amount = _money(allow_null=True)


class TargetsSerializer(serializers.Serializer):
    orders = serializers.BooleanField(
        allow_null=True, help_text=_("≥ 50 proxy-purchase orders a month; null: not judged.")
    )
    amount = serializers.BooleanField(
        allow_null=True, help_text=_("≥ 2,000 yuan of proxy purchases a month; null: not judged.")
    )
    online = serializers.BooleanField(allow_null=True, help_text=_("Online rate ≥ 95 %; null: not judged."))
    short = serializers.BooleanField(help_text=_("Falls short of at least one target."))


class OnlineFieldsMixin(serializers.Serializer):
    online_rate = _tenth(allow_null=True, help_text=_("Percent, one decimal; null without opening hours."))
    online_seconds = serializers.IntegerField(source="online.online_seconds")
    opening_seconds = serializers.IntegerField(source="online.opening_seconds")


class StationRowSerializer(OnlineFieldsMixin):
    rank = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    township_code = serializers.CharField()
    township_name = serializers.CharField()
    months = serializers.IntegerField(help_text=_("Months of the period in which the station was operating."))
    total = FiguresSerializer(help_text=_("Every entry of the period."))
    average = AveragesSerializer(source="averages", help_text=_("Per month the station was operating."))
    targets = TargetsSerializer()


class TownshipRowSerializer(OnlineFieldsMixin):
    rank = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    stations = serializers.IntegerField(help_text=_("Stations operating in the period."))
    months = serializers.IntegerField(help_text=_("Station-months: Σ months its stations were operating."))
    total = FiguresSerializer()
    average = AveragesSerializer(source="averages", help_text=_("Per station-month."))
    targets = TargetsSerializer()
    stations_meeting_orders = serializers.IntegerField(source="meeting_orders")
    stations_meeting_amount = serializers.IntegerField(source="meeting_amount")
    stations_meeting_online = serializers.IntegerField(source="meeting_online")


class TargetValuesSerializer(serializers.Serializer):
    proxy_purchase_orders = serializers.IntegerField()
    proxy_purchase_amount = _money()
    online_rate = serializers.IntegerField(help_text=_("Percent."))


class TableHeadSerializer(serializers.Serializer):
    county = serializers.CharField(source="county.code")
    year = serializers.IntegerField()
    month = serializers.IntegerField(allow_null=True)
    targets = serializers.SerializerMethodField()

    @extend_schema_field(TargetValuesSerializer)
    def get_targets(self, _table):
        from xiangcun.reporting.selectors import ONLINE_TARGET, ORDERS_TARGET, TURNOVER_TARGET

        return TargetValuesSerializer(
            {
                "proxy_purchase_orders": ORDERS_TARGET,
                "proxy_purchase_amount": TURNOVER_TARGET,
                "online_rate": ONLINE_TARGET,
            }
        ).data


class StationTableSerializer(TableHeadSerializer):
    township = serializers.CharField(source="township.code", allow_null=True, default=None)
    shortfalls = serializers.IntegerField(help_text=_("Stations falling short of at least one target."))
    stations = StationRowSerializer(source="rows", many=True)


class TownshipTableSerializer(TableHeadSerializer):
    townships = TownshipRowSerializer(source="rows", many=True)


class GrowthSerializer(serializers.Serializer):
    """Year on year, percent with one decimal; null when last year's figure is zero."""

    total_amount = _tenth(source="growth_amount", allow_null=True)
    proxy_purchase_orders = _tenth(source="growth_purchase_orders", allow_null=True)
    proxy_purchase_amount = _tenth(source="growth_purchase_amount", allow_null=True)


class TrendMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    figures = FiguresSerializer()
    previous = FiguresSerializer(help_text=_("The same month of the previous year."))
    online_rate = _tenth(allow_null=True)
    previous_online_rate = _tenth(allow_null=True)
    stations = serializers.IntegerField(help_text=_("Stations operating in the month."))
    growth = GrowthSerializer(source="*")


class TrendGrowthSerializer(GrowthSerializer):
    ecommerce_amount = _tenth(
        source="growth_ecommerce_amount",
        allow_null=True,
        help_text=_("Proxy purchases + proxy sales (the scorecard's e-commerce transactions)."),
    )


class TrendSerializer(serializers.Serializer):
    county = serializers.CharField(source="county.code")
    year = serializers.IntegerField()
    level = serializers.ChoiceField(
        choices=["county", "township", "station"],
        help_text=_("The county; a township user's township; a station manager's station."),
    )
    label = serializers.CharField()
    months = TrendMonthSerializer(many=True)
    total = FiguresSerializer()
    previous_total = FiguresSerializer()
    online_rate = _tenth(allow_null=True)
    previous_online_rate = _tenth(allow_null=True)
    growth = TrendGrowthSerializer(source="*")


# Documented types of the binary answers.
XLSX = OpenApiTypes.BINARY
