"""The demo county's users, one or more per role. Their password is public: it is printed on the login
page while the demo county is loaded and demo mode is on, and never in production."""

DEMO_PASSWORD = "xiangcun-demo-2018"


def demo_credentials() -> list[dict]:
    """Username, role and scope of every demo user, for the login page."""
    from xiangcun.accounts.models import User

    rows = []
    for user in User.objects.filter(is_demo=True, is_active=True).select_related(
        "county", "township", "station"
    ):
        rows.append(
            {
                "username": user.username,
                "role": user.get_role_display() if user.role else "superuser",
                "scope": user.scope_label,
                "password": DEMO_PASSWORD,
            }
        )
    rows.sort(key=lambda r: r["username"])
    return rows
