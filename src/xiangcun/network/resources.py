"""Facilities and village stations in and out of Excel (see `xiangcun.core.excel` for the engine).

- A row with an existing code updates that record through `facility_update` / `station_update`.
- A facility row with a new code is created (`facility_create`); a station row with an empty station
  code and a village division code is created (`station_create`, which assigns the code). A station
  code that does not exist is an error: codes are given out by the platform, never typed in.
- The status column is exported; on import a different status is applied through
  `facility_transition` / `station_transition`, one allowed step of the state machine (a new record
  starts as planned). Anything else is a row error.
- The equipment checklist is one column per requirement of the construction standard
  (`network/standard.py`), 是/否; for facilities the columns are the union over the kinds, and a
  requirement that is not on a facility's checklist stays blank.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.excel import bool_param, choice_param, int_param
from xiangcun.core.excel_columns import (
    BooleanWidget,
    ChoiceWidget,
    CodeWidget,
    Column,
    DateWidget,
    DecimalWidget,
    ReferenceWidget,
    TextWidget,
    TimeWidget,
    label_of,
)
from xiangcun.core.excel_resource import RegisterResource
from xiangcun.regions.models import Township, Village
from xiangcun.regions.selectors import township_list, village_list

from . import services
from .choices import SITE_TRANSITIONS, FacilityKind, SiteStatus
from .models import Facility, Site, Station
from .selectors import facility_list, filter_stations_by_compliance, station_list
from .standard import STANDARDS, STATION

PHONE = CodeWidget(r"[0-9+\- ]{5,20}", gettext_lazy("Enter a phone number (digits, +, -)."))


class StatusColumn(Column):
    """The site's status. Import does not assign it: it asks for a transition (`SiteResource.check_row`)."""

    writes = False

    def assign(self, instance, value) -> None:
        instance._excel_status = value or None


class EquipmentColumn(Column):
    """One requirement of the equipment checklist: 是/否; blank counts as 否."""

    def __init__(self, code: str, label):
        super().__init__(
            f"equipment__{code}", key=f"equipment.{code}", label=label, widget=BooleanWidget(blank=False)
        )
        self.code = code

    def assign(self, instance, value) -> None:
        kind = STATION if isinstance(instance, Station) else instance.kind
        if kind not in STANDARDS:
            return  # the kind itself is wrong and reported on its column
        if self.code not in {r.code for r in STANDARDS[kind].requirements}:
            if value:
                raise ValueError(_("This item is not on the checklist of this kind of facility."))
            return
        instance.equipment = {**(instance.equipment or {}), self.code: value}


def _equipment_requirements(kinds) -> dict:
    """Requirement code → name, in checklist order, over the given kinds (first name wins)."""
    requirements = {}
    for kind in kinds:
        for requirement in STANDARDS[kind].requirements:
            requirements.setdefault(requirement.code, requirement.name)
    return requirements


class SiteResource(RegisterResource):
    """What the facility and station registers share: equipment columns, status transitions."""

    equipment_kinds: tuple[str, ...] = ()
    add_capability = transition_capability = ""
    add_denied = ""  # the message when the user may not add records

    name = Column("name", key="name", label=label_of(Site, "name"), widget=TextWidget(), width=28)
    status = StatusColumn(
        "status", key="status", label=label_of(Site, "status"), widget=ChoiceWidget(SiteStatus)
    )
    address = Column("address", key="address", label=label_of(Site, "address"), widget=TextWidget(), width=28)
    latitude = Column("latitude", key="latitude", label=label_of(Site, "latitude"), widget=DecimalWidget())
    longitude = Column(
        "longitude", key="longitude", label=label_of(Site, "longitude"), widget=DecimalWidget()
    )
    area_m2 = Column("area_m2", key="area_m2", label=label_of(Site, "area_m2"), widget=DecimalWidget())
    operator = Column(
        "operator", key="operator", label=label_of(Site, "operator"), widget=TextWidget(), width=20
    )
    manager_name = Column(
        "manager_name", key="manager_name", label=label_of(Site, "manager_name"), widget=TextWidget()
    )
    manager_phone = Column(
        "manager_phone", key="manager_phone", label=label_of(Site, "manager_phone"), widget=PHONE
    )
    opened_on = Column(
        "opened_on", key="opened_on", label=label_of(Site, "opened_on"), widget=DateWidget(), readonly=True
    )
    notes = Column("notes", key="notes", label=label_of(Site, "notes"), widget=TextWidget(), width=30)

    error_aliases = {
        "to_status": "status",
        "effective_at": "status",
        "township": "township_code",
        "village": "village_code",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for code, name in _equipment_requirements(self.equipment_kinds).items():
            column = EquipmentColumn(code, name)
            column.widget.resource = self
            self.fields[column.key] = column

    def check_row(self, instance, row, errors):
        adding = instance._state.adding
        if adding and not has_capability(self.user, self.add_capability):
            errors.setdefault(self.key, []).append(ValidationError(str(self.add_denied)))
        instance._excel_transition = None
        target = getattr(instance, "_excel_status", None)
        current = instance.status or SiteStatus.PLANNED
        if not target or target == current:
            return
        allowed = SITE_TRANSITIONS[current]
        if target not in allowed:
            message = _("A site cannot go from %(from)s to %(to)s (allowed: %(allowed)s).") % {
                "from": SiteStatus(current).label,
                "to": SiteStatus(target).label,
                "allowed": ", ".join(str(SiteStatus(s).label) for s in allowed) or "—",
            }
            errors.setdefault("status", []).append(ValidationError(message))
        elif not has_capability(self.user, self.transition_capability):
            errors.setdefault("status", []).append(ValidationError(_("You may not change the status.")))
        else:
            instance._excel_transition = target

    def transition_of(self, instance):
        return getattr(instance, "_excel_transition", None)


class FacilityResource(SiteResource):
    """County center, county warehouse and township delivery centers."""

    register = "facilities"
    capability = "network.change_facility"
    add_capability = "network.add_facility"
    transition_capability = "network.transition_facility"
    add_denied = gettext_lazy("You may not add facilities.")
    list_path = "/network/facilities/"
    related = ("township",)
    equipment_kinds = tuple(FacilityKind.values)

    code = Column(
        "code",
        key="code",
        label=label_of(Facility, "code"),
        widget=CodeWidget(r"[A-Za-z0-9\-]{1,20}", gettext_lazy("A code has letters, digits and - only.")),
        readonly=True,
        required=True,
    )
    kind = Column(
        "kind",
        key="kind",
        label=label_of(Facility, "kind"),
        widget=ChoiceWidget(FacilityKind),
        create_only=True,
        width=24,
    )
    township_code = Column(
        "township",
        key="township_code",
        label=gettext_lazy("township division code"),
        widget=ReferenceWidget(Township, "township"),
        create_only=True,
        width=16,
    )
    township_name = Column(
        "township__name",
        key="township_name",
        label=gettext_lazy("township"),
        widget=TextWidget(),
        readonly=True,
    )
    rnd_center_area_m2 = Column(
        "rnd_center_area_m2",
        key="rnd_center_area_m2",
        label=label_of(Facility, "rnd_center_area_m2"),
        widget=DecimalWidget(),
    )
    cold_chain_needed = Column(
        "cold_chain_needed",
        key="cold_chain_needed",
        label=label_of(Facility, "cold_chain_needed"),
        widget=BooleanWidget(),
    )

    class Meta:
        model = Facility
        fields = (
            "code",
            "kind",
            "name",
            "township_code",
            "township_name",
            "status",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "rnd_center_area_m2",
            "cold_chain_needed",
            "operator",
            "manager_name",
            "manager_phone",
            "opened_on",
            "notes",
        )

    def scoped_queryset(self):
        return facility_list(user=self.user)

    def filter_queryset(self, qs, params):
        kind = choice_param(params, "kind", FacilityKind)
        if kind:
            qs = qs.filter(kind=kind)
        status = choice_param(params, "status", SiteStatus)
        if status:
            qs = qs.filter(status=status)
        township = int_param(params, "township")
        if township is not None:
            qs = qs.filter(township_id=township)
        return qs

    def reference_querysets(self, kind):
        return (
            township_list(user=self.user).filter(county=self.county),
            Township.objects.filter(county=self.county),
        )

    def init_instance(self, row=None):
        code = self.row_code(row)
        if not code:
            raise ValidationError({"code": [_("Enter the code.")]})
        return Facility(county=self.county, code=code, status=SiteStatus.PLANNED, equipment={})

    def check_row(self, instance, row, errors):
        super().check_row(instance, row, errors)
        if instance._state.adding:
            if not instance.kind and "kind" not in errors:
                errors["kind"] = [ValidationError(_("Enter the kind of the new facility."))]
            if instance.kind == FacilityKind.TOWNSHIP_CENTER and instance.township is None:
                errors.setdefault("township", []).append(
                    ValidationError(_("A township delivery center needs its township."))
                )

    def apply(self, entry):
        changes = dict(entry.changes)
        facility = entry.instance
        if entry.is_create:
            facility = services.facility_create(
                actor=self.user,
                county=self.county,
                kind=changes.pop("kind"),
                code=facility.code,
                township=changes.pop("township", None),
                **changes,
            )
        elif changes:
            facility = services.facility_update(actor=self.user, facility=facility, **changes)
        if entry.to_status:
            services.facility_transition(actor=self.user, facility=facility, to_status=entry.to_status)


class StationResource(SiteResource):
    """Village e-commerce service stations."""

    register = "stations"
    capability = "network.import_station"
    add_capability = "network.add_station"
    transition_capability = "network.transition_station"
    add_denied = gettext_lazy("You may not add stations.")
    list_path = "/network/stations/"
    related = ("township", "village")
    equipment_kinds = (STATION,)

    code = Column(
        "code",
        key="code",
        label=label_of(Station, "code"),
        widget=CodeWidget(r"\d{12}-\d{2}", gettext_lazy("A station code looks like 130425100228-01.")),
        readonly=True,
        required=True,
        width=18,
    )
    village_code = Column(
        "village",
        key="village_code",
        label=gettext_lazy("village division code"),
        widget=ReferenceWidget(Village, "village"),
        create_only=True,
        required=True,
        width=16,
    )
    village_name = Column(
        "village__name", key="village_name", label=gettext_lazy("village"), widget=TextWidget(), readonly=True
    )
    township_name = Column(
        "township__name",
        key="township_name",
        label=gettext_lazy("township"),
        widget=TextWidget(),
        readonly=True,
    )
    funded = Column("funded", key="funded", label=label_of(Station, "funded"), widget=BooleanWidget())
    opens_at = Column("opens_at", key="opens_at", label=label_of(Station, "opens_at"), widget=TimeWidget())
    closes_at = Column(
        "closes_at", key="closes_at", label=label_of(Station, "closes_at"), widget=TimeWidget()
    )

    class Meta:
        model = Station
        fields = (
            "code",
            "village_code",
            "village_name",
            "township_name",
            "name",
            "status",
            "funded",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "operator",
            "manager_name",
            "manager_phone",
            "opens_at",
            "closes_at",
            "opened_on",
            "notes",
        )

    def scoped_queryset(self):
        return station_list(user=self.user)

    def filter_queryset(self, qs, params):
        for name, field in (("township", "township_id"), ("village", "village_id")):
            value = int_param(params, name)
            if value is not None:
                qs = qs.filter(**{field: value})
        status = choice_param(params, "status", SiteStatus)
        if status:
            qs = qs.filter(status=status)
        for name, field in (("funded", "funded"), ("poor_village", "village__is_poor")):
            value = bool_param(params, name)
            if value is not None:
                qs = qs.filter(**{field: value})
        q = (params.get("q") or "").strip()
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
        compliant = bool_param(params, "compliant")
        if compliant is not None:
            qs = filter_stations_by_compliance(qs, compliant)
        return qs

    def reference_querysets(self, kind):
        return (
            village_list(user=self.user).filter(county=self.county),
            Village.objects.filter(county=self.county),
        )

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        code = self.row_code(row)
        if code and instance is None:
            raise ValidationError(
                {"code": [_("There is no station with this code; leave it empty to add a new station.")]}
            )
        return instance

    def init_instance(self, row=None):
        return Station(county=self.county, status=SiteStatus.PLANNED, equipment={})

    def check_row(self, instance, row, errors):
        super().check_row(instance, row, errors)
        if instance._state.adding:
            village = instance.village if instance.village_id else None
            if village is None and "village" not in errors:
                errors["village"] = [
                    ValidationError(_("Enter the village division code of the new station."))
                ]
            elif village is not None:
                instance.township = village.township
        if instance.opens_at and instance.closes_at and instance.closes_at <= instance.opens_at:
            errors.setdefault("closes_at", []).append(
                ValidationError(_("The closing time must be after the opening time."))
            )

    def validation_exclude(self, instance):
        if not instance._state.adding:
            return set()
        # The service assigns the code and, when left empty, the name.
        return {"code", "township", "village"} | (set() if instance.name else {"name"})

    def apply(self, entry):
        changes = dict(entry.changes)
        station = entry.instance
        if entry.is_create:
            station = services.station_create(actor=self.user, village=changes.pop("village"), **changes)
        elif changes:
            station = services.station_update(actor=self.user, station=station, **changes)
        if entry.to_status:
            services.station_transition(actor=self.user, station=station, to_status=entry.to_status)
