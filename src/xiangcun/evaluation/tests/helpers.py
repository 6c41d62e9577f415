"""Builders for evaluation tests: stations and facilities with a back-dated status history."""

from datetime import datetime
from decimal import Decimal

from xiangcun.accounts.models import User
from xiangcun.core.testing import full_equipment, make_user
from xiangcun.evaluation.scorecard import SHANGHAI
from xiangcun.network import services
from xiangcun.network.standard import requirement_codes


def at(year, month, day, hour=12, minute=0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def root() -> User:
    return User.objects.filter(is_superuser=True).first() or make_user(None, None, username="root")


def station(village, *, created=None, building=None, operating=None, closed=None, **fields):
    """A station created at `created` and moved through each given status at the given moment."""
    actor = root()
    fields.setdefault("area_m2", Decimal("20"))
    fields.setdefault("equipment", full_equipment())
    created = created or building or operating or at(2018, 1, 2)
    if operating is not None and building is None:
        building = operating  # built and opened the same day
    s = services.station_create(actor=actor, village=village, effective_at=created, **fields)
    for status, when in (("building", building), ("operating", operating), ("closed", closed)):
        if when is not None:
            s = services.station_transition(actor=actor, station=s, to_status=status, effective_at=when)
    return s


def facility(county, kind, code, *, operating=None, township=None, compliant=True, **fields):
    """A facility (operating from `operating` if given), meeting its standard unless `compliant` is False."""
    actor = root()
    equipment = dict.fromkeys(requirement_codes(kind), compliant)
    area = {"county_center": "600", "county_warehouse": "800", "township_center": "100"}[kind]
    fields.setdefault("area_m2", Decimal(area))
    if kind == "county_center":
        fields.setdefault("rnd_center_area_m2", Decimal("150"))
    fields.setdefault("name", f"{kind} {code}")
    created = operating or at(2018, 1, 2)
    f = services.facility_create(
        actor=actor,
        county=county,
        kind=kind,
        code=code,
        township=township,
        equipment=equipment,
        effective_at=created,
        **fields,
    )
    if operating is not None:
        for status in ("building", "operating"):
            f = services.facility_transition(
                actor=actor, facility=f, to_status=status, effective_at=operating
            )
    return f
