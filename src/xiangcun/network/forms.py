"""Forms of the network pages: register filters and the facility / station editors.

Forms parse and validate input only; `changes()` returns what the views pass to `network.services`
(which check capability and scope again and validate the row with `full_clean()`).
"""

from django import forms
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from xiangcun.core.pages import BoolFilterField, FilterForm, limit_coordinates
from xiangcun.regions.models import Township, Village
from xiangcun.regions.selectors import county_list, township_list, village_list

from .choices import SITE_TRANSITIONS, FacilityKind, SiteStatus
from .models import Facility, Station
from .services import STATION_MANAGER_FIELDS
from .standard import STANDARDS, STATION

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
PHOTO_MAX_BYTES = 5 * 1024 * 1024
CATEGORY_LABELS = {"room": _("Rooms"), "equipment": _("Equipment"), "signage": _("Signage")}
WIDGETS = {
    "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    "notes": forms.Textarea(attrs={"rows": 3}),
    "manager_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
}


class TownshipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.short_name


# --- register filters ---------------------------------------------------------------------------


class FacilityFilterForm(FilterForm):
    """`?kind=&status=&township=<id>&q=`"""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any")), *FacilityKind.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *SiteStatus.choices], required=False
    )
    township = TownshipChoiceField(label=_("Township"), queryset=Township.objects.none(), required=False)

    field_order = ["q", "kind", "status", "township"]

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["township"].queryset = township_list(user=user).order_by("code")
        self.fields["township"].empty_label = _("All townships")

    def apply(self, qs, data):
        for name in ("kind", "status", "township"):
            if name in data:
                qs = qs.filter(**{name: data[name]})
        if "q" in data:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        return qs


class StationFilterForm(FilterForm):
    """`?township=<id>&village=<id>&status=&funded=&poor_village=&compliant=&q=`"""

    township = TownshipChoiceField(label=_("Township"), queryset=Township.objects.none(), required=False)
    village = VillageChoiceField(label=_("Village"), queryset=Village.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *SiteStatus.choices], required=False
    )
    funded = BoolFilterField(label=_("Centrally funded"))
    poor_village = BoolFilterField(label=_("Poor village"))
    compliant = BoolFilterField(label=_("Meets the standard"))

    field_order = ["q", "township", "village", "status", "funded", "poor_village", "compliant"]

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["township"].queryset = township_list(user=user).order_by("code")
        self.fields["township"].empty_label = _("All townships")
        self.fields["village"].queryset = village_list(user=user)
        self.fields["village"].empty_label = _("All villages")

    def apply(self, qs, data):
        from .selectors import filter_stations_by_compliance

        for name in ("township", "village", "status", "funded"):
            if name in data:
                qs = qs.filter(**{name: data[name]})
        if "poor_village" in data:
            qs = qs.filter(village__is_poor=data["poor_village"])
        if "q" in data:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if "compliant" in data:
            qs = filter_stations_by_compliance(qs, data["compliant"])
        return qs

    def prepare_village_choices(self) -> bool:
        """Offer the village list once a township is chosen (a county has hundreds of villages), with
        that township's villages; otherwise keep a given village as a hidden parameter. True if shown."""
        data = self.active()
        township = data.get("township") or (data["village"].township if "village" in data else None)
        if township is None:
            self.fields["village"].widget = forms.HiddenInput()
            return False
        self.fields["village"].queryset = village_list(user=self.user).filter(township=township)
        return True


# --- editors ------------------------------------------------------------------------------------


class EquipmentFieldsMixin:
    """One checkbox per requirement of the construction standard (`eq_<code>`)."""

    equipment_kind: str | None = None

    def add_equipment_fields(self, kind_key: str, equipment: dict | None) -> None:
        self.equipment_kind = kind_key
        equipment = equipment or {}
        for req in STANDARDS[kind_key].requirements:
            self.fields[f"eq_{req.code}"] = forms.BooleanField(
                label=req.name,
                required=False,
                initial=bool(equipment.get(req.code)),
                help_text=_("Only required where a cold chain is needed.") if req.only_if else "",
            )

    def main_fields(self) -> list:
        """The bound fields other than the checklist."""
        return [bf for bf in self if not bf.name.startswith("eq_")]

    def equipment_groups(self) -> list[tuple[str, list]]:
        """(category label, bound checkboxes) in the standard's order: rooms, equipment, signage."""
        if self.equipment_kind is None:
            return []
        groups: dict[str, list] = {}
        for req in STANDARDS[self.equipment_kind].requirements:
            groups.setdefault(req.category, []).append(self[f"eq_{req.code}"])
        return [(CATEGORY_LABELS[c], groups[c]) for c in ("room", "equipment", "signage") if c in groups]

    def equipment_value(self) -> dict[str, bool]:
        return {
            r.code: self.cleaned_data[f"eq_{r.code}"] for r in STANDARDS[self.equipment_kind].requirements
        }

    def equipment_changed(self) -> bool:
        return any(name.startswith("eq_") for name in self.changed_data)


class SiteForm(EquipmentFieldsMixin, forms.Form):
    """Fields of a facility or station taken from the model (labels, lengths, validators), filled from
    `instance`. `changes()` holds only what the user changed, so the audit trail records just that."""

    model: type = Facility
    field_names: list[str] = []

    def __init__(self, *args, instance=None, **kwargs):
        initial = model_to_dict(instance, fields=self.field_names) if instance is not None else {}
        initial.update(kwargs.pop("initial", {}))
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(fields_for_model(self.model, fields=self.field_names, widgets=WIDGETS))
        self.order_fields(self.field_names)
        limit_coordinates(self.fields)
        if "photo" in self.fields:
            self.fields["photo"].validators.append(FileExtensionValidator(PHOTO_EXTENSIONS))
            self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
            self.fields["photo"].help_text = _("JPEG, PNG or WebP, at most 5 MB.")

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB."), code="too_large")
        return photo

    def changes(self) -> dict:
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in self.field_names}
        if changes.get("photo") is False:  # "clear" ticked
            changes["photo"] = ""
        if self.equipment_kind and self.equipment_changed():
            changes["equipment"] = self.equipment_value()
        return changes


FACILITY_EDIT_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "area_m2",
    "rnd_center_area_m2",
    "cold_chain_needed",
    "operator",
    "manager_name",
    "manager_phone",
    "notes",
    "photo",
]
STATION_EDIT_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "area_m2",
    "funded",
    "operator",
    "manager_name",
    "manager_phone",
    "opens_at",
    "closes_at",
    "notes",
    "photo",
]


class FacilityForm(SiteForm):
    """Edit a facility (bureau, contractor): details and the equipment checklist of its kind."""

    model = Facility
    field_names = FACILITY_EDIT_FIELDS

    def __init__(self, *args, instance: Facility, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.add_equipment_fields(instance.kind, instance.equipment)
        if instance.kind != FacilityKind.COUNTY_CENTER:
            del self.fields["rnd_center_area_m2"]
        if instance.kind != FacilityKind.TOWNSHIP_CENTER:
            del self.fields["cold_chain_needed"]


class FacilityCreateForm(SiteForm):
    """Create a facility: kind, code and township are fixed at creation; the checklist is kept on the
    edit page afterwards (it depends on the kind). Superusers also choose the county."""

    model = Facility
    field_names = ["kind", "code", "township", *[f for f in FACILITY_EDIT_FIELDS if f != "photo"]]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"] = TownshipChoiceField(
            label=_("Township"),
            queryset=township_list(user=user).order_by("code"),
            required=False,
            help_text=_("Required for a township delivery center."),
        )
        if user.is_superuser:
            self.fields["county"] = forms.ModelChoiceField(label=_("County"), queryset=county_list(user=user))
            self.order_fields(["county", *self.field_names])

    def clean(self):
        data = super().clean()
        if data.get("kind") == FacilityKind.TOWNSHIP_CENTER and not data.get("township"):
            self.add_error("township", _("A township delivery center belongs to a township."))
        return data

    def values(self) -> dict:
        """Keyword arguments for `facility_create` (without actor and county)."""
        return {name: self.cleaned_data[name] for name in self.field_names}


class StationForm(SiteForm):
    """Edit a station, all fields (bureau, contractor), including the equipment checklist."""

    model = Station
    field_names = STATION_EDIT_FIELDS

    def __init__(self, *args, instance: Station, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.add_equipment_fields(STATION, instance.equipment)


class StationManagerForm(SiteForm):
    """What a station manager keeps up to date on their own station: phone, hours, photo, notes."""

    model = Station
    field_names = list(STATION_MANAGER_FIELDS)


class StationCreateForm(SiteForm):
    """Create a station in a village of the user's scope (choices grouped by township)."""

    model = Station
    field_names = STATION_EDIT_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        groups: dict[str, list] = {}
        for pk, township, name in (
            village_list(user=user)
            .order_by("township__code", "code")
            .values_list("pk", "township__name", "name")
        ):
            groups.setdefault(township, []).append((pk, name))
        self.fields["village"] = forms.TypedChoiceField(
            label=_("Village"), choices=[("", "—"), *groups.items()], coerce=int
        )
        self.order_fields(["village", *self.field_names])
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Empty: named after the village.")
        self.add_equipment_fields(STATION, {})

    def clean_village(self):
        village = village_list(user=self.user).filter(pk=self.cleaned_data["village"]).first()
        if village is None:
            raise forms.ValidationError(_("Choose a village in your scope."), code="invalid_choice")
        return village

    def values(self) -> dict:
        """Keyword arguments for `station_create` (without actor)."""
        values = {name: self.cleaned_data[name] for name in self.field_names}
        if not values.get("photo"):
            values.pop("photo", None)
        values["village"] = self.cleaned_data["village"]
        values["equipment"] = self.equipment_value()
        return values


class TransitionForm(forms.Form):
    """Move a site to one of the statuses its current status allows, with the date it happened."""

    to_status = forms.ChoiceField(label=_("New status"))
    effective_at = forms.DateTimeField(
        label=_("Effective"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Empty: now."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, SiteStatus(s).label) for s in SITE_TRANSITIONS[site.status]]

    @property
    def targets(self) -> list[tuple[str, str]]:
        return list(self.fields["to_status"].choices)


# ==================================================================================================
# staff (ledger helper's block)
# ==================================================================================================


class WorkplaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class StaffFilterForm(FilterForm):
    """`?facility=<id>&station=<id>&from_poor_household=&current=&q=`"""

    facility = WorkplaceChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False)
    station = WorkplaceChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    from_poor_household = BoolFilterField(label=_("From a registered poor household"))
    current = BoolFilterField(label=_("Still working there"))

    field_order = ["q", "facility", "station", "from_poor_household", "current"]

    def __init__(self, data, *, user, **kwargs):
        from .selectors import facility_list, station_list

        super().__init__(data, user=user, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or position")
        self.fields["facility"].queryset = facility_list(user=user).order_by("code")
        self.fields["facility"].empty_label = _("All facilities")
        self.fields["station"].queryset = station_list(user=user).order_by("code")
        self.fields["station"].empty_label = _("All stations")

    def apply(self, qs, data):
        for name in ("facility", "station", "from_poor_household"):
            if name in data:
                qs = qs.filter(**{name: data[name]})
        if "current" in data:
            qs = qs.filter(left_on__isnull=data["current"])
        if "q" in data:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(position__icontains=data["q"]))
        return qs


class StaffForm(forms.Form):
    """A staff member's record. The workplace is a facility or a station (exactly one, checked by the
    service); the household is given by its register number."""

    facility = WorkplaceChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False)
    station = WorkplaceChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    name = forms.CharField(label=_("Name"), max_length=50)
    position = forms.CharField(label=_("Position"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    from_poor_household = forms.BooleanField(
        label=_("From a registered poor household"),
        required=False,
        help_text=_("R7: people from registered poor households are hired first."),
    )
    household_code = forms.CharField(
        label=_("Household register number"),
        max_length=32,
        required=False,
        help_text=_("Optional: the registered poor household, if it is in the register."),
    )
    hired_on = forms.DateField(label=_("Hired on"), widget=forms.DateInput(attrs={"type": "date"}))
    left_on = forms.DateField(
        label=_("Left on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, user, member=None, **kwargs):
        from .selectors import facility_list, station_list

        if member is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "facility": member.facility_id,
                "station": member.station_id,
                "name": member.name,
                "position": member.position,
                "phone": member.phone,
                "from_poor_household": member.from_poor_household,
                "household_code": member.household.code if member.household_id else "",
                "hired_on": member.hired_on,
                "left_on": member.left_on,
            }
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["facility"].queryset = facility_list(user=user).order_by("code")
        self.fields["station"].queryset = station_list(user=user).order_by("code")

    def clean_household_code(self):
        from xiangcun.households.models import Household

        code = self.cleaned_data["household_code"].strip()
        if not code:
            return None
        qs = Household.objects.filter(code=code)
        if not self.user.is_superuser:
            qs = qs.filter(county_id=self.user.county_id)
        household = qs.first()
        if household is None:
            raise forms.ValidationError(_("No registered poor household with this number in your county."))
        return household

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["household"] = data.pop("household_code")
        if data["household"] is not None:
            data["from_poor_household"] = True
        return data
