"""Links from a scorecard value to the register rows behind it.

The register and report pages and their filter parameters are shared names (`network:station_list` is
/network/stations/ …). Paths are written out so that building a scorecard needs no URLconf (the CLI,
the API, the benchmark); a test checks them against `reverse()` and that every link's filters are
accepted by its page.
"""

from urllib.parse import urlencode

PAGE_PATHS = {
    "regions:township_list": "/regions/townships/",
    "regions:village_list": "/regions/villages/",
    "network:facility_list": "/network/facilities/",
    "network:station_list": "/network/stations/",
    "network:staff_list": "/network/staff/",
    "stations:charge_list": "/stations/charges/",
    "stations:company_list": "/stations/companies/",
    "reporting:stations": "/reports/stations/",
    "reporting:county": "/reports/county/",
    "logistics:performance": "/logistics/performance/",
    "logistics:carrier_list": "/logistics/carriers/",
    "planning:plan_list": "/planning/",
}


def register_url(page: str, **filters) -> str:
    """The path of register `page` filtered by `filters` (booleans as true/false, in the given order)."""
    path = PAGE_PATHS[page]
    if not filters:
        return path
    params = {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in filters.items()}
    return f"{path}?{urlencode(params)}"


def with_county(url: str, code: str) -> str:
    """`url` with `county=<code>` appended: a superuser's registers list every county, so links from a
    county's figures carry it (as the dashboard's do)."""
    if not url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'county': code})}"
