"""Forms of the regions pages: register filters (the shared query parameters) and the fact editors.

Forms only parse and validate input; the views hand the cleaned values to `regions.services`.
"""

from django import forms
from django.db.models import Q
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.pages import BoolFilterField, FilterForm, limit_coordinates

from .choices import VillageKind
from .models import Township, Village
from .selectors import township_list

EXPRESS_CHOICES = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


class TownshipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class TownshipFilterForm(FilterForm):
    """`?has_express_outlet=true|false&q=`"""

    has_express_outlet = BoolFilterField(label=_("Express outlet"))

    def apply(self, qs, data):
        if "has_express_outlet" in data:
            qs = qs.filter(has_express_outlet=data["has_express_outlet"])
        if "q" in data:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        return qs


class VillageFilterForm(FilterForm):
    """`?township=<id>&kind=&is_poor=&has_broadband=&has_station=&q=`; `has_station` needs the queryset
    annotated with `has_station` (an operating station in the village)."""

    township = TownshipChoiceField(label=_("Township"), queryset=Township.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any")), *VillageKind.choices], required=False)
    is_poor = BoolFilterField(label=_("Poor village"))
    has_broadband = BoolFilterField(label=_("Broadband"))
    has_station = BoolFilterField(label=_("Operating station"))

    field_order = ["q", "township", "kind", "is_poor", "has_broadband", "has_station"]

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["township"].queryset = township_list(user=user).order_by("code")
        self.fields["township"].empty_label = _("All townships")

    def apply(self, qs, data):
        for name in ("township", "kind", "is_poor", "has_broadband", "has_station"):
            if name in data:
                qs = qs.filter(**{name: data[name]})
        if "q" in data:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        return qs


class VillageFactsForm(forms.Form):
    """Population, poor-village flag, broadband and coordinates of a village. A user who may only
    change the poverty flag (the poverty office) gets a form with that one field."""

    ALL_FIELDS = ["population", "is_poor", "has_broadband", "latitude", "longitude"]
    POVERTY_FIELDS = ["is_poor"]

    def __init__(self, *args, user, village: Village, **kwargs):
        names = self.fields_for(user)
        initial = {name: getattr(village, name) for name in names}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(fields_for_model(Village, fields=names))
        limit_coordinates(self.fields)

    @classmethod
    def fields_for(cls, user) -> list[str]:
        """The fields `user` may edit (empty: may not edit village facts at all)."""
        if has_capability(user, "regions.change_village"):
            return list(cls.ALL_FIELDS)
        if has_capability(user, "regions.change_village_poverty"):
            return list(cls.POVERTY_FIELDS)
        return []

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class TownshipExpressForm(forms.Form):
    """Whether the township has an express outlet (R1.3): yes, no or not known."""

    has_express_outlet = forms.ChoiceField(
        label=_("Express outlet in the township"), choices=EXPRESS_CHOICES, required=False
    )

    def __init__(self, *args, township: Township, **kwargs):
        value = township.has_express_outlet
        initial = {"has_express_outlet": "" if value is None else ("true" if value else "false")}
        super().__init__(*args, initial=initial, **kwargs)

    def value(self) -> bool | None:
        raw = self.cleaned_data["has_express_outlet"]
        return None if raw == "" else raw == "true"
