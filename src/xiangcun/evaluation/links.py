"""Links from a scorecard value to the register rows behind it.

The register pages and their filter parameters are shared names (PREAMBLE: `network:station_list`
is /network/stations/ …). Paths are written out here rather than reversed so that the scorecard does
not depend on the page views being installed; a test checks them against `reverse()` once they are.
"""

from urllib.parse import urlencode

PAGE_PATHS = {
    "regions:township_list": "/regions/townships/",
    "regions:village_list": "/regions/villages/",
    "network:facility_list": "/network/facilities/",
    "network:station_list": "/network/stations/",
}


def register_url(page: str, **filters) -> str:
    """The path of register `page` filtered by `filters` (booleans as true/false, in the given order)."""
    path = PAGE_PATHS[page]
    if not filters:
        return path
    params = {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in filters.items()}
    return f"{path}?{urlencode(params)}"
