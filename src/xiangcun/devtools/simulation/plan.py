"""The simulator's input (a county's divisions as plain values) and output (the demo plan)."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from decimal import Decimal

# --- input ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipInput:
    code: str
    name: str
    kind: str  # regions.choices.TownshipKind
    lon: float
    lat: float


@dataclass(frozen=True)
class VillageInput:
    code: str
    short_name: str
    kind: str  # regions.choices.VillageKind: villagers / residents
    township_code: str
    urban_rural_code: str


@dataclass(frozen=True)
class CountyInput:
    code: str
    name: str
    lon: float
    lat: float
    outline: Sequence[Sequence[float]]  # the outer ring, [lon, lat] pairs, WGS-84
    townships: Sequence[TownshipInput]  # in code order
    villages: Sequence[VillageInput]  # in code order


# --- output -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VillagePlan:
    code: str
    population: int
    is_poor: bool
    has_broadband: bool
    longitude: Decimal
    latitude: Decimal


@dataclass(frozen=True)
class SitePlan:
    """A facility or station to create: its fields and its status history [(status, effective_at)]."""

    code: str
    name: str
    township_code: str | None
    longitude: Decimal
    latitude: Decimal
    area_m2: Decimal | None
    equipment: dict[str, bool]
    address: str
    operator: str
    manager_name: str
    manager_phone: str
    history: tuple[tuple[str, datetime], ...]
    notes: str = ""
    # facilities only
    kind: str = ""
    cold_chain_needed: bool = False
    rnd_center_area_m2: Decimal | None = None
    # stations only
    village_code: str = ""
    funded: bool = True
    opens_at: time | None = None
    closes_at: time | None = None
    defect: str = ""  # the deliberate departure from the standard, "" when none (documentation/tests)
    transition_notes: dict[str, str] = field(default_factory=dict)

    @property
    def final_status(self) -> str:
        return self.history[-1][0]


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    seat_code: str  # the county seat's township
    express_outlets: dict[str, bool]  # township code → has an express outlet
    villages: tuple[VillagePlan, ...]
    facilities: tuple[SitePlan, ...]
    stations: tuple[SitePlan, ...]
    township_user_township: str  # township code of the township-scoped demo user

    def digest(self) -> str:
        """SHA-256 of the whole plan (stable across runs): equal plans, equal digests."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()
