"""Writes on regions: loading division data, recording village and township facts."""

from django.db import transaction
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record, diff, snapshot
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.scoping import lock_in_scope

from . import divisions
from .choices import FactSource, TownshipKind, VillageKind
from .models import County, Township, Village
from .selectors import township_list, village_list


def _township_kind(name: str) -> str:
    if name.endswith("街道"):
        return TownshipKind.SUBDISTRICT
    if name.endswith("乡"):
        return TownshipKind.TOWNSHIP
    return TownshipKind.TOWN


def _village_kind(name: str) -> str:
    return VillageKind.RESIDENTS if name.endswith("居民委员会") else VillageKind.VILLAGERS


@transaction.atomic
def county_load_divisions(*, county_code: str, is_demo: bool = False, actor=None) -> County:
    """Create a county with its townships and villages from the bundled division data.

    Refuses if the county already exists (the loader never overwrites recorded facts).
    """
    if County.objects.filter(code=county_code).exists():
        raise ApplicationError(
            _("County %(code)s is already loaded.") % {"code": county_code}, code="county_exists"
        )
    try:
        rows = divisions.read_divisions(county_code)
    except FileNotFoundError as exc:
        raise ApplicationError(str(exc), code="no_division_data") from exc
    head = next(r for r in rows if r.level == "county")
    outline = divisions.read_outline(county_code)
    county = County(
        code=county_code,
        division_code=head.code,
        name=head.name,
        province="河北省" if county_code.startswith("13") else "",
        city="邯郸市" if county_code.startswith("1304") else "",
        longitude=head.longitude,
        latitude=head.latitude,
        outline=outline,
        is_demo=is_demo,
        data_source=divisions.SOURCE,
    )
    county.full_clean()
    county.save()
    townships = {}
    for r in rows:
        if r.level != "town":
            continue
        t = Township(
            county=county,
            code=r.code,
            code_valid_from=divisions.EDITION_VALID_FROM,
            name=r.name,
            kind=_township_kind(r.name),
            longitude=r.longitude,
            latitude=r.latitude,
        )
        t.full_clean(exclude=["county"])
        townships[r.code] = t
    Township.objects.bulk_create(townships.values())
    villages = []
    for r in rows:
        if r.level != "village":
            continue
        v = Village(
            county=county,
            township=townships[r.parent],
            code=r.code,
            code_valid_from=divisions.EDITION_VALID_FROM,
            name=r.name,
            kind=_village_kind(r.name),
            urban_rural_code=r.urban_rural_code,
        )
        v.full_clean(exclude=["county", "township"])
        villages.append(v)
    Village.objects.bulk_create(villages)
    audit_record(
        actor=actor,
        action="county.load_divisions",
        instance=county,
        county=county,
        note=f"{len(townships)} townships, {len(villages)} villages from {divisions.SOURCE}",
    )
    return county


VILLAGE_FACT_FIELDS = ["population", "is_poor", "has_broadband", "latitude", "longitude"]
VILLAGE_POVERTY_FIELDS = {"is_poor"}


@transaction.atomic
def village_update(*, actor, village: Village, source: str = FactSource.RECORDED, **changes) -> Village:
    """Record facts about a village: population, poor-village flag, broadband, coordinates.

    Bureau admins may change all of them; the poverty office only the poor-village flag.
    """
    unknown = set(changes) - set(VILLAGE_FACT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These village fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="read_only_field",
        )
    if not has_capability(actor, "regions.change_village"):
        if not (
            has_capability(actor, "regions.change_village_poverty") and set(changes) <= VILLAGE_POVERTY_FIELDS
        ):
            raise PermissionDenied(_("You may not change these village facts."))
    village = lock_in_scope(village_list(user=actor), village.pk, _("This village is outside your scope."))
    before = snapshot(village, list(changes))
    for field, value in changes.items():
        setattr(village, field, value)
    village.facts_source = source
    village.full_clean()
    village.save()
    audit_record(
        actor=actor,
        action="village.update",
        instance=village,
        changes=diff(before, snapshot(village, list(changes))),
    )
    return village


@transaction.atomic
def township_update(
    *, actor, township: Township, has_express_outlet: bool | None, source: str = FactSource.RECORDED
) -> Township:
    """Record whether a township has an express outlet (R1.3: 100% of townships)."""
    if not has_capability(actor, "regions.change_township"):
        raise PermissionDenied(_("You may not change townships."))
    township = lock_in_scope(
        township_list(user=actor), township.pk, _("This township is outside your scope.")
    )
    before = snapshot(township, ["has_express_outlet"])
    township.has_express_outlet = has_express_outlet
    township.express_outlet_source = FactSource.UNKNOWN if has_express_outlet is None else source
    township.full_clean()
    township.save()
    audit_record(
        actor=actor,
        action="township.update",
        instance=township,
        changes=diff(before, snapshot(township, ["has_express_outlet"])),
    )
    return township
