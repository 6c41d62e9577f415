"""Serializer building blocks: strict input parsing and the error shape for the schema."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Sent by the browsable API's HTML forms; never a field.
IGNORED_INPUT_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictInputMixin:
    """Refuses input keys that are not writable fields of the serializer.

    A typo (`aera_m2`) or a read-only field (`status`, `code`) must not be silently ignored: the client
    would believe it changed something. Each such key gets a field error and nothing is written.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable - IGNORED_INPUT_KEYS)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field: it cannot be written here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """A plain input serializer that refuses unknown fields."""


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A model-backed input serializer that refuses unknown fields. Never `.save()` it: pass
    `validated_data` to the app's service, which validates again and writes."""

    def create(self, validated_data):  # pragma: no cover - guarded: writes go through services
        raise NotImplementedError("Input serializers do not write; call the service.")

    def update(self, instance, validated_data):  # pragma: no cover - see create()
        raise NotImplementedError("Input serializers do not write; call the service.")


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (HTTP 400/401/403/404)."""

    detail = serializers.CharField(help_text=_("A readable summary (the first field error, if any)."))
    code = serializers.CharField(help_text=_("A stable machine-readable code, e.g. invalid_transition."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Field name → messages; errors without a field are under non_field_errors."),
    )


class FixedChoiceField(serializers.ChoiceField):
    """A ChoiceField whose choices are those of `choices_class` (a Django TextChoices)."""

    choices_class = None

    def __init__(self, **kwargs):
        super().__init__(choices=self.choices_class.choices, **kwargs)


def named_choice_field(choices_class, component_name: str) -> type[serializers.ChoiceField]:
    """A ChoiceField class for `choices_class` whose OpenAPI schema is one shared enum component named
    `component_name` (e.g. `SiteStatusEnum`).

    drf-spectacular otherwise names enums after the field (`kind`, `status`, `facts_source` …), and the
    same choices under two names, or two choice sets under one name, make it warn; the schema test
    runs with --fail-on-warn.
    """
    field_class = type(
        f"{component_name}Field",
        (FixedChoiceField,),
        {"choices_class": choices_class, "__doc__": f"One of {choices_class.__name__}."},
    )
    schema = serializers.ChoiceField(choices=choices_class.choices)
    return extend_schema_field(schema, component_name=component_name)(field_class)


class MoneySerializerField(serializers.DecimalField):
    """Yuan as a decimal string with two places (models store it as integer fen, see MoneyField)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


def register_money_field() -> None:
    """Let ModelSerializers map MoneyField to MoneySerializerField (not to an IntegerField of fen)."""
    from xiangcun.core.money import MoneyField

    serializers.ModelSerializer.serializer_field_mapping[MoneyField] = MoneySerializerField
