"""The demo county's users, one or more per role. Their password is public: it is printed on the login
page while the demo county is loaded and demo mode is on, and never in production."""

from xiangcun.accounts.choices import Role

DEMO_PASSWORD = "xiangcun-demo-2018"

# The demo superuser (all counties); the loader records the demo county's history as this user.
DEMO_SUPERUSER = "admin"
# County-wide users: username, role, full name shown in the UI.
DEMO_COUNTY_USERS: tuple[tuple[str, str, str], ...] = (
    ("bureau", Role.BUREAU_ADMIN, "县商务局（演示）"),
    ("finance", Role.FINANCE, "县财政局（演示）"),
    ("poverty", Role.POVERTY_OFFICE, "县扶贫办（演示）"),
    ("contractor", Role.CONTRACTOR, "承办企业（演示）"),
    ("carrier", Role.CARRIER, "快递物流企业（演示）"),
    ("trainer", Role.TRAINER, "培训机构（演示）"),
    ("auditor", Role.AUDITOR, "第三方验收机构（演示）"),
)
# A county-bureau officer confined to one township: the first township (by code) that is not the seat.
DEMO_TOWNSHIP_USER = "township"
# Station managers of three operating stations (站 = station): zhan01 a compliant station in the
# township user's township, zhan02 a compliant station in a poor village elsewhere, zhan03 a station
# that misses the construction standard (so its manager sees findings).
DEMO_STATION_MANAGERS = ("zhan01", "zhan02", "zhan03")

DEMO_USERNAMES = (
    DEMO_SUPERUSER,
    *(u for u, _r, _n in DEMO_COUNTY_USERS),
    DEMO_TOWNSHIP_USER,
    *DEMO_STATION_MANAGERS,
)


def demo_credentials() -> list[dict]:
    """Username, role and scope of every demo user, for the login page."""
    from django.utils.translation import gettext as _

    from xiangcun.accounts.models import User

    rows = []
    for user in User.objects.filter(is_demo=True, is_active=True).select_related(
        "county", "township", "station"
    ):
        rows.append(
            {
                "username": user.username,
                "role": user.get_role_display() if user.role else _("Superuser"),
                "scope": user.scope_label,
                "password": DEMO_PASSWORD,
            }
        )
    rows.sort(key=lambda r: r["username"])
    return rows
