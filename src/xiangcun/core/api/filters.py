"""Filter building blocks shared by the apps' FilterSets (pages and API use the same FilterSets)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

TRUE_VALUES = frozenset({"true", "1", "yes"})
FALSE_VALUES = frozenset({"false", "0", "no"})


class StrictBooleanField(forms.Field):
    """`true`/`false` (also 1/0, yes/no; any case). Empty means "no filter"; anything else is an error.

    django-filter's own boolean field quietly treats an unknown value as "no filter", so a typo such as
    `?funded=ture` would return every row; here it is a 400 with a field error instead.
    """

    widget = forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))])
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        # None is a valid answer ("no filter"); required-ness does not apply to filters.
        return


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean filter that rejects values other than true/false (see `StrictBooleanField`).

    Based on the plain django-filter BooleanFilter on purpose: the REST flavour installs a widget that
    turns every unknown value into "no filter" before the field can refuse it.
    """

    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A row id (a whole number); `?township=abc` or `?township=1.5` is a 400, not a silent match."""

    field_class = forms.IntegerField
