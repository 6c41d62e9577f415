"""Builders for tests: small synthetic counties, users per role, stations. Fast (no division file load).

`make_county("130425")` builds a county with two townships (a 镇 and a 乡) and three villages each:
village 1 poor, village 2 with 800 residents, village 3 with 300 residents and no broadband.
"""

from datetime import date
from decimal import Decimal

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from xiangcun.accounts.choices import Role
from xiangcun.accounts.models import User
from xiangcun.network import services as network_services
from xiangcun.network.standard import STATION, requirement_codes
from xiangcun.regions.models import County, Township, Village

VALID_FROM = date(2016, 1, 1)


def make_county(
    code: str = "130425", name: str = "大名县", *, townships: int = 2, villages: int = 3
) -> County:
    county = County.objects.create(
        code=code,
        division_code=f"{code}000000",
        name=name,
        latitude=Decimal("36.285"),
        longitude=Decimal("115.147"),
    )
    for t in range(townships):
        tcode = f"{code}{100 + t if t % 2 == 0 else 200 + t}000"
        township = Township.objects.create(
            county=county,
            code=tcode,
            code_valid_from=VALID_FROM,
            name=f"{'甲乙丙丁'[t % 4]}{'镇' if t % 2 == 0 else '乡'}",
            kind="town" if t % 2 == 0 else "township",
            latitude=Decimal("36.3") + Decimal(t) / 100,
            longitude=Decimal("115.1") + Decimal(t) / 100,
        )
        for v in range(villages):
            Village.objects.create(
                county=county,
                township=township,
                code=f"{tcode[:9]}{201 + v:03d}",
                code_valid_from=VALID_FROM,
                name=f"{township.name[0]}{v + 1}村村委会",
                kind="villagers",
                urban_rural_code="220",
                population=[450, 800, 300][v % 3],
                is_poor=v % 3 == 0,
                has_broadband=v % 3 != 2,
                facts_source="recorded",
            )
    return county


def make_user(role: str | None, county: County | None, *, username: str | None = None, **scope) -> User:
    """A user with `role` scoped to `county` (and optionally township= or station=); role None → superuser."""
    username = username or f"{role or 'admin'}-{county.code if county else 'all'}-{User.objects.count()}"
    if role is None:
        return User.objects.create_superuser(username=username, password="pw-Secret-123")
    user = User(username=username, role=role, county=county, **scope)
    user.set_password("pw-Secret-123")
    user.save()
    return user


def full_equipment() -> dict[str, bool]:
    return dict.fromkeys(requirement_codes(STATION), True)


def make_station(
    village: Village, *, actor=None, status: str = "planned", **fields
) -> "network_services.Station":
    """A station through the services (as a superuser unless `actor`), moved on to `status`."""
    actor = actor or User.objects.filter(is_superuser=True).first() or make_user(None, None, username="root")
    fields.setdefault("area_m2", Decimal("20"))
    fields.setdefault("equipment", full_equipment())
    station = network_services.station_create(actor=actor, village=village, **fields)
    path = {"planned": [], "building": ["building"], "operating": ["building", "operating"]}
    path["suspended"] = [*path["operating"], "suspended"]
    path["closed"] = ["closed"]
    for to in path[status]:
        station = network_services.station_transition(actor=actor, station=station, to_status=to)
    return station


def api_client(user: User | None = None, *, token: bool = True, language: str = "en") -> APIClient:
    """A DRF client authenticated as `user` with a token (or anonymous for None), asking for `language`
    (tests assert the English messages; Chinese is the site's default)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        if token:
            key, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key.key}")
        else:
            client.force_authenticate(user)
    return client


ALL_ROLES = [r.value for r in Role]
