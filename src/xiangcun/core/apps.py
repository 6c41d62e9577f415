from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xiangcun.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from .api.serializers import register_money_field

        register_money_field()
