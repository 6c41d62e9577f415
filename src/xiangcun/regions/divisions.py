"""Loading the official division data bundled with the project (see data/README.md, CC BY 4.0).

The CSV is NBS's 2016 edition of the statistical division codes as published by Vonng/adcode; the
township centroids and county outline are GCJ-02 and are converted to WGS-84 here.
"""

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from xiangcun.core.geo import gcj02_to_wgs84

DATA_DIR = Path(__file__).resolve().parent / "data"
EDITION = 2016
# The source gives the edition year, not the reference date: codes are taken as valid from its start.
EDITION_VALID_FROM = date(EDITION, 1, 1)
SOURCE = "NBS statistical division codes, 2016 edition, via github.com/Vonng/adcode (CC BY 4.0)"


@dataclass(frozen=True)
class DivisionRow:
    code: str
    parent: str
    name: str
    level: str  # county / town / village
    urban_rural_code: str
    longitude: Decimal | None  # WGS-84
    latitude: Decimal | None


def available_counties() -> list[str]:
    return sorted(p.name.split("-")[0] for p in DATA_DIR.glob("*-adcode-*.csv"))


def read_divisions(county_code: str) -> list[DivisionRow]:
    """All rows of one county's division file, coordinates converted to WGS-84 and rounded to 1e-6°."""
    path = DATA_DIR / f"{county_code}-adcode-{EDITION}.csv"
    if not path.exists():
        raise FileNotFoundError(f"no division data for county {county_code} (have: {available_counties()})")
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.reader(fh):
            lon, lat = rec[12], rec[13]
            wlon = wlat = None
            if lon and lat:
                x, y = gcj02_to_wgs84(float(lon), float(lat))
                wlon, wlat = Decimal(f"{x:.6f}"), Decimal(f"{y:.6f}")
            rows.append(
                DivisionRow(
                    code=rec[0],
                    parent=rec[1],
                    name=rec[2],
                    level=rec[3],
                    urban_rural_code=rec[8],
                    longitude=wlon,
                    latitude=wlat,
                )
            )
    return rows


def read_outline(county_code: str) -> dict:
    """The county outline as a GeoJSON Polygon in WGS-84."""
    path = DATA_DIR / f"{county_code}-fence-gcj02.json"
    geometry = json.loads(path.read_text(encoding="utf-8"))
    if geometry["type"] != "Polygon":
        raise ValueError(f"expected a Polygon outline, got {geometry['type']}")
    rings = [
        [[round(c, 6) for c in gcj02_to_wgs84(lon, lat)] for lon, lat in ring]
        for ring in geometry["coordinates"]
    ]
    return {"type": "Polygon", "coordinates": rings}
