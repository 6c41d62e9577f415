from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """Network planning (R1.3, R3, R10): the layout of township delivery centers (p-median, facility
    location), station siting (coverage), delivery routes (VRP), and the solvers behind them."""

    name = "xiangcun.planning"
    verbose_name = _("Planning")
