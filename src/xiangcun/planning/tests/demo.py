"""The part of the demo county (seed 1) that planning reads: Daming's real divisions, the simulated
village facts (population, poor flag, coordinates) and the facilities, without stations or ledger."""

from xiangcun.accounts.models import User
from xiangcun.devtools.services import _load_facilities, _Silent, county_input
from xiangcun.devtools.simulation import simulate
from xiangcun.regions.models import County, Village
from xiangcun.regions.services import county_load_divisions


def load_demo_geography(seed: int = 1) -> County:
    admin = User.objects.create_superuser(username="planning-demo-admin", password=None, is_demo=True)
    county = county_load_divisions(county_code="130425", is_demo=True, actor=admin)
    plan = simulate(county_input(county), seed)
    # The simulated facts, written in bulk (the demo loader records them one by one, audited).
    villages = {v.code: v for v in county.villages.all()}
    for facts in plan.villages:
        village = villages[facts.code]
        village.population, village.is_poor = facts.population, facts.is_poor
        village.latitude, village.longitude = facts.latitude, facts.longitude
    Village.objects.bulk_update(villages.values(), ["population", "is_poor", "latitude", "longitude"])
    _load_facilities(admin, county, plan, _Silent())
    return county
