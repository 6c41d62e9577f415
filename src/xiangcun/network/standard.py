"""The construction standard (项目建设运营参考标准, 硬件设备设施), transcribed per facility type.

Each facility and station carries an `equipment` checklist `{requirement code: bool}` with exactly
these codes; the standards check (`network.standards_check`) reports every requirement not met.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .choices import FacilityKind

STATION = "village_station"  # the checklist key for village stations (they are not Facility rows)


@dataclass(frozen=True)
class Requirement:
    code: str
    name: str  # lazily translated; the Chinese term of the standard is the translation
    category: str  # "room", "equipment" or "signage"
    # Only required where the facility's flag of this name is true (cold chain "where needed").
    only_if: str | None = None


@dataclass(frozen=True)
class KindStandard:
    ref: str  # requirement id in PROGRAM.md
    min_area_m2: Decimal | None
    requirements: tuple[Requirement, ...]
    target_count: int | None  # how many the plan builds (None: "at least", see R1.4)


STANDARDS: dict[str, KindStandard] = {
    FacilityKind.COUNTY_CENTER: KindStandard(
        ref="R1.1",
        min_area_m2=Decimal("600"),
        target_count=1,
        requirements=(
            Requirement("exchange_room", _("Exchange room"), "room"),
            Requirement("e_classroom", _("E-classroom"), "room"),
            Requirement("meeting_room", _("Meeting room"), "room"),
            Requirement("offices", _("Offices"), "room"),
            Requirement("rnd_center", _("Farm product R&D and experience center"), "room"),
            Requirement(
                "program_sign", _("Sign 'E-commerce into Rural Areas Demonstration Project'"), "signage"
            ),
        ),
    ),
    FacilityKind.COUNTY_WAREHOUSE: KindStandard(
        ref="R1.2",
        min_area_m2=Decimal("800"),
        target_count=1,
        requirements=(
            Requirement("packing_tables", _("Packing tables"), "equipment"),
            Requirement("shelves", _("Shelves"), "equipment"),
            Requirement("scanners", _("Barcode scanners"), "equipment"),
            Requirement("delivery_vehicles", _("Delivery vehicles"), "equipment"),
        ),
    ),
    FacilityKind.TOWNSHIP_CENTER: KindStandard(
        ref="R1.3",
        min_area_m2=Decimal("100"),
        target_count=5,
        requirements=(
            Requirement("packing_table", _("Packing table"), "equipment"),
            Requirement("shelves", _("Shelves"), "equipment"),
            Requirement("computer", _("Computer"), "equipment"),
            Requirement("scanner", _("Barcode scanner"), "equipment"),
            Requirement("delivery_vehicle", _("Delivery vehicle"), "equipment"),
            Requirement("cold_store", _("Cold store"), "equipment", only_if="cold_chain_needed"),
            Requirement("fridge", _("Refrigerated cabinet"), "equipment", only_if="cold_chain_needed"),
            Requirement(
                "cold_chain_vehicle", _("Cold-chain vehicle"), "equipment", only_if="cold_chain_needed"
            ),
        ),
    ),
    STATION: KindStandard(
        ref="R1.4",
        min_area_m2=None,  # depends on the village: see station_min_area
        target_count=350,
        requirements=(
            Requirement("ecommerce_area", _("E-commerce area indoors"), "room"),
            Requirement("computer", _("Computer"), "equipment"),
            Requirement("backdrop_wall", _("Backdrop wall"), "equipment"),
            Requirement("tv_42", _("42-inch TV"), "equipment"),
            Requirement("terminal", _("Internet-behaviour data manager (station terminal)"), "equipment"),
            Requirement("parcel_baskets", _("Parcel baskets"), "equipment"),
            Requirement("notice_board", _("Notice board"), "equipment"),
            Requirement("door_sign", _("Door sign"), "signage"),
            Requirement("light_box", _("Light box"), "signage"),
            Requirement("wifi_sign", _("WiFi sign"), "signage"),
        ),
    ),
}

# R1.1: the county center's product R&D and experience center is 100–200 m².
RND_CENTER_AREA_RANGE = (Decimal("100"), Decimal("200"))
# R1.4: ≥10 m² in a village of ≥500 residents or a registered poor village, 5–10 m² otherwise.
STATION_LARGE_VILLAGE_POPULATION = 500
STATION_MIN_AREA_LARGE = Decimal("10")
STATION_MIN_AREA_SMALL = Decimal("5")


def requirement_codes(kind: str) -> list[str]:
    return [r.code for r in STANDARDS[kind].requirements]


def station_min_area(*, population: int | None, is_poor: bool) -> Decimal | None:
    """Minimum station area for its village; None while a non-poor village's population is unknown."""
    if is_poor:
        return STATION_MIN_AREA_LARGE
    if population is None:
        return None
    return (
        STATION_MIN_AREA_LARGE if population >= STATION_LARGE_VILLAGE_POPULATION else STATION_MIN_AREA_SMALL
    )
