"""Users and what part of the program each one may see."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Role


class User(AbstractUser):
    """A person who signs in (用户): a bureau officer, a contractor's employee, a station manager …

    `county` scopes everything the user sees; `township` or `station` narrow it further. A superuser
    sees and may do everything, in every county.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    county = models.ForeignKey(
        "regions.County",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    township = models.ForeignKey(
        "regions.Township",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    station = models.ForeignKey(
        "network.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    failed_logins = models.PositiveIntegerField(_("failed logins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo user"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_needs_county",
                condition=Q(is_superuser=True) | Q(role="") | Q(county__isnull=False),
            ),
            models.CheckConstraint(
                name="user_station_manager_has_station",
                condition=~Q(role="station_manager") | Q(station__isnull=False),
            ),
        ]

    @property
    def scope_label(self) -> str:
        if self.is_superuser:
            return str(_("all counties"))
        parts = [str(p) for p in (self.county, self.township, self.station) if p]
        return " / ".join(parts)
