"""Loading and removing the demo county. Every row is written through the domain services (with
back-dated status histories), as the demo superuser, in one transaction: a failed load leaves the
database as it was.

The loader refuses to run while the database holds non-demo data (a county, facility or station with
`is_demo` false) and never changes or deletes a non-demo user.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.translation import gettext as _

from xiangcun.accounts.choices import Role
from xiangcun.accounts.models import User
from xiangcun.accounts.services import user_create
from xiangcun.core.errors import ApplicationError
from xiangcun.households.models import Household
from xiangcun.logistics.models import Carrier, DeliveryMonth, Leg, Scan, Shipment
from xiangcun.network import services as network_services
from xiangcun.network.checks import is_compliant
from xiangcun.network.models import Facility, StaffMember, Station
from xiangcun.network.selectors import station_compliance
from xiangcun.planning.models import Plan
from xiangcun.regions.choices import FactSource
from xiangcun.regions.models import County, Township, Village
from xiangcun.regions.services import county_load_divisions, township_update, village_update
from xiangcun.reporting.models import (
    CountyMonth,
    StationDayOnline,
    StationMonth,
    StationMonthOnline,
    TownshipMonth,
)
from xiangcun.stations.models import (
    DailyReconciliation,
    OnlineSpan,
    ServiceCompany,
    StationCharge,
    Terminal,
    Transaction,
    TransactionEvent,
)

from .operations import OperationsSummary, operations_load
from .plans import PlansSummary, plans_load
from .selectors import non_demo_data
from .simulation import CountyInput, DemoPlan, SitePlan, TownshipInput, VillageInput, simulate
from .users import (
    DEMO_COUNTY_USERS,
    DEMO_PASSWORD,
    DEMO_STATION_MANAGERS,
    DEMO_SUPERUSER,
    DEMO_TOWNSHIP_USER,
    DEMO_USERNAMES,
)

DEMO_COUNTY_CODE = "130425"


class Progress(Protocol):
    """What the loader reports: a step starts with a number of units, then advances unit by unit."""

    def start(self, step: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def start(self, step: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass
class DemoSummary:
    """What was loaded, for the command's closing report."""

    county: County
    seed: int
    plan: DemoPlan
    users: list[User] = field(default_factory=list)
    operations: OperationsSummary | None = None
    plans: PlansSummary | None = None


def county_input(county: County) -> CountyInput:
    """The simulator's input, read from a loaded county."""
    townships = county.townships.order_by("code")
    return CountyInput(
        code=county.code,
        name=county.name,
        lon=float(county.longitude),
        lat=float(county.latitude),
        outline=county.outline["coordinates"][0],
        townships=tuple(
            TownshipInput(t.code, t.name, t.kind, float(t.longitude), float(t.latitude)) for t in townships
        ),
        villages=tuple(
            VillageInput(v.code, v.short_name, v.kind, v.township.code, v.urban_rural_code)
            for v in county.villages.select_related("township").order_by("code")
        ),
    )


def demo_load(
    *, seed: int, reset: bool = False, progress: Progress | None = None, scale: float = 1.0
) -> DemoSummary:
    """Load the demo county (Daming's real divisions, simulated facts, network and users) for `seed`,
    with two years of station operations (`devtools.operations`; `scale` multiplies the ledger volume).

    With `reset`, the demo county and the demo users are deleted first (in the same transaction).
    Raises ApplicationError: `non_demo_data` if any non-demo county, facility or station exists,
    `demo_loaded` if the demo county is there and `reset` is false, `username_taken` if a non-demo
    user holds a demo username, `demo_delete_blocked` if non-demo rows depend on the demo county.
    """
    progress = progress or _Silent()
    found = non_demo_data()
    if found:
        raise ApplicationError(
            _(
                "The database holds non-demo data (%(found)s); the demo loader never touches it. "
                "Use an empty database for the demo county."
            )
            % {"found": ", ".join(found)},
            code="non_demo_data",
        )
    if County.objects.filter(is_demo=True).exists() and not reset:
        raise ApplicationError(
            _("The demo county is already loaded; reload it with `xiangcun demo --reset`."),
            code="demo_loaded",
        )
    taken = sorted(
        User.objects.filter(username__in=DEMO_USERNAMES, is_demo=False).values_list("username", flat=True)
    )
    if taken:
        raise ApplicationError(
            _("These demo usernames belong to non-demo users: %(names)s. Rename those users first.")
            % {"names": ", ".join(taken)},
            code="username_taken",
        )
    with transaction.atomic():
        if reset:
            demo_delete()
        progress.start("divisions", 1)
        # accounts.services.user_create makes no superusers; the demo one is created directly.
        admin = User.objects.create_superuser(username=DEMO_SUPERUSER, password=None, is_demo=True)
        county = county_load_divisions(county_code=DEMO_COUNTY_CODE, is_demo=True, actor=admin)
        plan = simulate(county_input(county), seed)
        progress.advance()
        _load_villages(admin, county, plan, progress)
        _load_facilities(admin, county, plan, progress)
        _load_stations(admin, county, plan, progress)
        users = _load_users(admin, county, plan, progress)
        operations = operations_load(admin=admin, county=county, plan=plan, progress=progress, scale=scale)
        progress.start("plans", 1)
        plans = plans_load(admin=admin, county=county)
        progress.advance()
        # One password hash for all demo users (a deliberately slow hash takes ~0.5 s each; the
        # password is public anyway), set once they all exist.
        User.objects.filter(pk__in=[admin.pk, *(u.pk for u in users)]).update(
            password=make_password(DEMO_PASSWORD)
        )
    return DemoSummary(
        county=county, seed=seed, plan=plan, users=[admin, *users], operations=operations, plans=plans
    )


@transaction.atomic
def demo_delete() -> None:
    """Delete the demo county (townships, villages, facilities, stations, histories, its audit events)
    and every demo user. Non-demo users are never touched: if one belongs to the demo county the
    deletion is refused (ApplicationError `demo_delete_blocked`)."""
    demo = Q(county__is_demo=True) | Q(township__county__is_demo=True) | Q(station__county__is_demo=True)
    blockers = sorted(User.objects.filter(is_demo=False).filter(demo).values_list("username", flat=True))
    if blockers:
        raise ApplicationError(
            _("Non-demo users belong to the demo county: %(names)s. Move or delete them first.")
            % {"names": ", ".join(blockers)},
            code="demo_delete_blocked",
        )
    for county in County.objects.filter(is_demo=True):
        # before the users: the ORM would otherwise null every scan's and entry's actor row by row
        _delete_operations(county)
    User.objects.filter(is_demo=True).delete()
    for county in County.objects.filter(is_demo=True):
        try:
            # Townships and villages are PROTECTed against deletion while referenced, so the
            # referencing rows go first.
            Station.objects.filter(county=county).delete()
            Facility.objects.filter(county=county).delete()
            Village.objects.filter(county=county).delete()
            Township.objects.filter(county=county).delete()
            county.delete()
        except ProtectedError as exc:
            raise _blocked(exc.protected_objects) from exc
        except RestrictedError as exc:
            raise _blocked(exc.restricted_objects) from exc


def _delete_operations(county: County) -> None:
    """Delete the county's operations first: the big tables with one DELETE each (the ORM would load
    every row to cascade; scans and legs before their parcels, parcels before the ledger entries they
    carry, which they protect), then the rows that protect stations, villages and households."""
    qn = connection.ops.quote_name
    big = (
        DeliveryMonth,
        Scan,
        Leg,
        Shipment,
        TransactionEvent,
        Transaction,
        OnlineSpan,
        StationDayOnline,
        StationMonthOnline,
        StationMonth,
        TownshipMonth,
        CountyMonth,
    )
    with connection.cursor() as cursor:
        for model in big:
            # Only a table name from the models is formatted in; the county id is a parameter.
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE county_id = %s", [county.pk])  # noqa: S608
    # carriers take their presence, tariffs and accounts with them; price benchmarks go with the county;
    # plans before the centers they PROTECT
    for model in (
        Plan,
        Carrier,
        DailyReconciliation,
        StationCharge,
        Terminal,
        ServiceCompany,
        StaffMember,
        Household,
    ):
        model.objects.filter(county=county).delete()


def _blocked(objects) -> ApplicationError:
    kinds = sorted({str(o._meta.verbose_name_plural) for o in objects})
    return ApplicationError(
        _("Other records still refer to the demo county (%(what)s); it cannot be deleted.")
        % {"what": ", ".join(kinds)},
        code="demo_delete_blocked",
    )


def _load_villages(admin: User, county: County, plan: DemoPlan, progress: Progress) -> None:
    villages = {v.code: v for v in county.villages.all()}
    townships = list(county.townships.order_by("code"))
    progress.start("villages", len(plan.villages) + len(townships))
    for facts in plan.villages:
        village_update(
            actor=admin,
            village=villages[facts.code],
            source=FactSource.DEMO,
            population=facts.population,
            is_poor=facts.is_poor,
            has_broadband=facts.has_broadband,
            latitude=facts.latitude,
            longitude=facts.longitude,
        )
        progress.advance()
    for township in townships:
        township_update(
            actor=admin,
            township=township,
            has_express_outlet=plan.express_outlets[township.code],
            source=FactSource.DEMO,
        )
        progress.advance()


def _load_facilities(admin: User, county: County, plan: DemoPlan, progress: Progress) -> None:
    """Create each facility, then walk it through its back-dated history."""
    townships = {t.code: t for t in county.townships.all()}
    progress.start("facilities", len(plan.facilities))
    for site in plan.facilities:
        facility = network_services.facility_create(
            actor=admin,
            county=county,
            kind=site.kind,
            code=site.code,
            township=townships[site.township_code] if site.township_code else None,
            effective_at=site.history[0][1],
            cold_chain_needed=site.cold_chain_needed,
            rnd_center_area_m2=site.rnd_center_area_m2,
            **_site_fields(site),
        )
        for status, at in site.history[1:]:
            facility = network_services.facility_transition(
                actor=admin, facility=facility, to_status=status, effective_at=at, note=_note(site, status)
            )
        progress.advance()


def _load_stations(admin: User, county: County, plan: DemoPlan, progress: Progress) -> None:
    """Create each station, then walk it through its back-dated history."""
    villages = {v.code: v for v in county.villages.all()}
    progress.start("stations", len(plan.stations))
    for site in plan.stations:
        station = network_services.station_create(
            actor=admin,
            village=villages[site.village_code],
            code=site.code,
            effective_at=site.history[0][1],
            funded=site.funded,
            opens_at=site.opens_at,
            closes_at=site.closes_at,
            **_site_fields(site),
        )
        for status, at in site.history[1:]:
            station = network_services.station_transition(
                actor=admin, station=station, to_status=status, effective_at=at, note=_note(site, status)
            )
        progress.advance()


def _site_fields(site: SitePlan) -> dict:
    return {
        "name": site.name,
        "address": site.address,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "area_m2": site.area_m2,
        "operator": site.operator,
        "manager_name": site.manager_name,
        "manager_phone": site.manager_phone,
        "equipment": site.equipment,
        "notes": site.notes,
    }


def _note(site: SitePlan, status: str) -> str:
    return site.transition_notes.get(status, "")


def _load_users(admin: User, county: County, plan: DemoPlan, progress: Progress) -> list[User]:
    progress.start("users", len(DEMO_USERNAMES) - 1)
    users = []
    for username, role, full_name in DEMO_COUNTY_USERS:
        users.append(_user(admin, username, role=role, county=county, full_name=full_name))
        progress.advance()
    township = county.townships.get(code=plan.township_user_township)
    users.append(
        _user(
            admin,
            DEMO_TOWNSHIP_USER,
            role=Role.BUREAU_ADMIN,
            township=township,
            full_name=f"{township.name}电商办（演示）",
        )
    )
    progress.advance()
    for username, station in zip(
        DEMO_STATION_MANAGERS, _manager_stations(admin, county, township), strict=True
    ):
        users.append(
            _user(admin, username, role=Role.STATION_MANAGER, station=station, full_name=station.manager_name)
        )
        progress.advance()
    return users


def _user(admin, username, **fields) -> User:
    return user_create(username=username, password=None, is_demo=True, actor=admin, **fields)


def _manager_stations(admin: User, county: County, township: Township) -> list[Station]:
    """Three operating stations (lowest code first): a compliant one in the township user's township,
    a compliant one in a poor village of another township, and one that misses the standard."""
    operating = Station.objects.filter(county=county, status="operating").order_by("code")
    findings = station_compliance(operating)
    stations = list(operating.select_related("village", "township", "county"))
    ok = [s for s in stations if is_compliant(findings[s.pk])]
    first = next(s for s in ok if s.township_id == township.pk)
    second = next(s for s in ok if s.village.is_poor and s.township_id != township.pk)
    third = next(s for s in stations if not is_compliant(findings[s.pk]))
    return [first, second, third]
