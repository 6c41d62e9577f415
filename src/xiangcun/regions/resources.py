"""Townships and villages in and out of Excel (see `xiangcun.core.excel` for the engine).

Both registers come from the official division data, so an import never creates or renames them: it
records facts about existing rows, found by division code — whether a township has an express outlet;
a village's population, poor-village flag, broadband and coordinates.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from xiangcun.core.excel import bool_param, choice_param, int_param
from xiangcun.core.excel_columns import (
    DIVISION_CODE,
    BooleanWidget,
    ChoiceWidget,
    Column,
    DecimalWidget,
    IntegerWidget,
    TextWidget,
    label_of,
)
from xiangcun.core.excel_resource import RegisterResource

from . import services
from .choices import FactSource, TownshipKind, VillageKind
from .models import Township, Village
from .selectors import township_list, village_list


def code_column(model, *, width: int = 16) -> Column:
    return Column(
        "code",
        key="code",
        label=label_of(model, "code"),
        widget=DIVISION_CODE,
        readonly=True,  # the key: finds the row, never changes it
        required=True,
        width=width,
    )


class TownshipResource(RegisterResource):
    """Townships: the express-outlet fact is imported; code, name and kind are for reference."""

    register = "townships"
    capability = "regions.change_township"
    list_path = "/regions/townships/"

    code = code_column(Township)
    name = Column("name", key="name", label=label_of(Township, "name"), widget=TextWidget(), readonly=True)
    kind = Column(
        "kind", key="kind", label=label_of(Township, "kind"), widget=ChoiceWidget(TownshipKind), readonly=True
    )
    has_express_outlet = Column(
        "has_express_outlet",
        key="has_express_outlet",
        label=label_of(Township, "has_express_outlet"),
        widget=BooleanWidget(nullable=True),  # blank: not known yet
        required=True,
        width=20,
    )

    class Meta:
        model = Township
        fields = ("code", "name", "kind", "has_express_outlet")

    def scoped_queryset(self):
        return township_list(user=self.user)

    def filter_queryset(self, qs, params):
        value = bool_param(params, "has_express_outlet")
        return qs if value is None else qs.filter(has_express_outlet=value)

    def apply(self, entry):
        services.township_update(
            actor=self.user, township=entry.instance, has_express_outlet=entry.changes["has_express_outlet"]
        )


class VillageResource(RegisterResource):
    """Villages: population, poor-village flag, broadband and coordinates are imported (recorded as
    `imported`); division code, township, name, kind and the facts' source are for reference."""

    register = "villages"
    capability = "regions.import_village"
    list_path = "/regions/villages/"
    related = ("township",)

    code = code_column(Village)
    township_name = Column(
        "township__name", key="township_name", label=_("township"), widget=TextWidget(), readonly=True
    )
    name = Column(
        "name", key="name", label=label_of(Village, "name"), widget=TextWidget(), readonly=True, width=24
    )
    kind = Column(
        "kind", key="kind", label=label_of(Village, "kind"), widget=ChoiceWidget(VillageKind), readonly=True
    )
    population = Column(
        "population", key="population", label=label_of(Village, "population"), widget=IntegerWidget()
    )
    is_poor = Column("is_poor", key="is_poor", label=label_of(Village, "is_poor"), widget=BooleanWidget())
    has_broadband = Column(
        "has_broadband", key="has_broadband", label=label_of(Village, "has_broadband"), widget=BooleanWidget()
    )
    latitude = Column("latitude", key="latitude", label=label_of(Village, "latitude"), widget=DecimalWidget())
    longitude = Column(
        "longitude", key="longitude", label=label_of(Village, "longitude"), widget=DecimalWidget()
    )
    facts_source = Column(
        "facts_source",
        key="facts_source",
        label=label_of(Village, "facts_source"),
        widget=ChoiceWidget(FactSource),
        readonly=True,
    )

    class Meta:
        model = Village
        fields = (
            "code",
            "township_name",
            "name",
            "kind",
            "population",
            "is_poor",
            "has_broadband",
            "latitude",
            "longitude",
            "facts_source",
        )

    def scoped_queryset(self):
        return village_list(user=self.user)

    def filter_queryset(self, qs, params):
        township = int_param(params, "township")
        if township is not None:
            qs = qs.filter(township_id=township)
        kind = choice_param(params, "kind", VillageKind)
        if kind:
            qs = qs.filter(kind=kind)
        for name in ("is_poor", "has_broadband"):
            value = bool_param(params, name)
            if value is not None:
                qs = qs.filter(**{name: value})
        has_station = bool_param(params, "has_station")
        if has_station is not None:
            from xiangcun.network.models import Station

            operating = Station.objects.filter(village=OuterRef("pk"), status="operating")
            qs = qs.filter(Exists(operating)) if has_station else qs.exclude(Exists(operating))
        q = (params.get("q") or "").strip()
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
        return qs

    def apply(self, entry):
        services.village_update(
            actor=self.user, village=entry.instance, source=FactSource.IMPORTED, **entry.changes
        )
