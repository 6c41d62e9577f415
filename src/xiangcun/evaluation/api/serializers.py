"""Serializers of the scorecard endpoint: its query parameters and (for the OpenAPI schema) its answer."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xiangcun.evaluation.choices import IndicatorStatus
from xiangcun.evaluation.scorecard import YEAR_MAX, YEAR_MIN


class ScorecardQuerySerializer(serializers.Serializer):
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
        help_text=_("Year, judged at its end in Beijing time (default: the program year + 1)."),
    )


class IndicatorResultSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("Stable indicator id, e.g. R1.5-village-coverage."))
    ref = serializers.CharField(help_text=_("Requirement id (R1–R13)."))
    name = serializers.CharField(help_text=_("Chinese name, in the source's words."))
    name_en = serializers.CharField()
    target = serializers.JSONField(
        help_text=_("A number, [low, high], true (a yes/no requirement) or an ISO date (done by then).")
    )
    comparator = serializers.ChoiceField(choices=[">=", "<=", "==", "between", "bool"])
    value = serializers.JSONField(
        allow_null=True,
        help_text=_(
            "A number (a percentage with one decimal for ratios), true/false for a yes/no requirement, "
            "or null when not measured."
        ),
    )
    unit = serializers.CharField()
    status = serializers.ChoiceField(choices=IndicatorStatus.choices)
    numerator = serializers.JSONField(
        allow_null=True, help_text=_("Set for every ratio and average: a count, or yuan with two decimals.")
    )
    denominator = serializers.JSONField(allow_null=True, help_text=_("Set for every ratio and average."))
    reason = serializers.CharField(allow_blank=True)


class VetoResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    triggered = serializers.BooleanField(allow_null=True, help_text=_("Null: not measured."))
    reason = serializers.CharField()


class ScorecardSerializer(serializers.Serializer):
    county = serializers.CharField()
    year = serializers.IntegerField()
    indicators = IndicatorResultSerializer(many=True)
    veto = VetoResultSerializer(many=True)
