"""Plumbing shared by the server-rendered pages: register filters, sorting and paging, mapping service
errors onto forms, capability checks.

Views stay thin: parse the query string with a filter form, apply it to a scoped selector's queryset,
sort and page it here, render. Writes go through one service call; its errors land beside the form
fields (never a 500 on user input).
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError, validation_error_fields
from xiangcun.core.errors import PermissionDenied as DomainPermissionDenied

PAGE_SIZE = 50

BOOL_CHOICES = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
_BOOL_ALIASES = {"true": "true", "1": "true", "yes": "true", "false": "false", "0": "false", "no": "false"}


class BoolFilterField(forms.ChoiceField):
    """A `true`/`false` query parameter (also `1`/`0`, any case); cleans to True, False or None (any)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=BOOL_CHOICES, **kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        return _BOOL_ALIASES.get(value, value)

    def clean(self, value):
        value = super().clean(value)
        return None if value == "" else value == "true"


class FilterForm(forms.Form):
    """Base of the register filter forms. Bound to `request.GET`; `filter(qs)` applies the valid ones.

    Subclasses implement `apply(qs, data)` with the cleaned data (empty values already removed).
    """

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name or code")}),
    )
    # Superusers see every county; the dashboard's links carry the county they were counted for.
    county = forms.RegexField(regex=r"^\d{6}$", required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, user, **kwargs):
        # Only our own parameters count: sort and page travel in the same query string.
        super().__init__({k: v for k, v in data.items() if k in self.base_fields}, **kwargs)
        self.user = user

    def active(self) -> dict:
        """The cleaned filters that are set (an empty dict when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def filter(self, qs: QuerySet) -> QuerySet:
        """`qs` narrowed by the valid filters; no rows at all when a filter is invalid, so that a bad
        or out-of-scope parameter never silently shows more than was asked for."""
        if not self.is_valid():
            return qs.none()
        data = self.active()
        if "county" in data:
            qs = qs.filter(county__code=data.pop("county"))
        return self.apply(qs, data)

    def apply(self, qs: QuerySet, data: dict) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must implement apply()")


@dataclass
class Register:
    """One page of a sorted register plus the numbers the page header shows."""

    page: Page
    sort: str
    total: int  # rows in the user's scope before filtering
    count: int  # rows after filtering

    @property
    def rows(self):
        return self.page.object_list


def sort_queryset(qs: QuerySet, requested: str, sorts: dict[str, tuple[str, ...]], default: str):
    """Order `qs` by one of `sorts` (key → field paths; `-key` for descending), then by `code` ascending
    so that ties keep a stable order. Empty values go last either way (as on every database).
    Returns (qs, key used); an unknown key falls back to `default`."""
    key = requested if requested.lstrip("-") in sorts else default
    descending = key.startswith("-")
    order = [
        F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True)
        for f in sorts[key.lstrip("-")]
    ]
    return qs.order_by(*order, "code"), key


def register(request, qs: QuerySet, *, total: int, sorts: dict, default_sort: str) -> Register:
    """Sort and page a filtered queryset (`?sort=`, `?page=`; bad values fall back, never fail)."""
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), sorts, default_sort)
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return Register(page=page, sort=sort, total=total, count=paginator.count)


COORDINATE_RANGES = {"latitude": (-90, 90), "longitude": (-180, 180)}


def limit_coordinates(fields: dict) -> None:
    """WGS-84 latitude / longitude form fields accept only real coordinates (the model does not limit)."""
    for name, (low, high) in COORDINATE_RANGES.items():
        if name in fields:
            field = fields[name]
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update({"min": low, "max": high, "step": "0.000001"})


def require_capability(user, capability: str) -> None:
    """Raise Django's PermissionDenied (HTTP 403) unless `user` has `capability`."""
    if not has_capability(user, capability):
        raise DjangoPermissionDenied


def add_service_error(form: forms.Form, exc: Exception) -> None:
    """Show a service's ApplicationError / ValidationError beside the form's fields.

    A domain PermissionDenied is re-raised as Django's (HTTP 403): it is not a form mistake.
    Errors on fields the form does not have, and an ApplicationError's message, are shown above the form.
    """
    if isinstance(exc, DomainPermissionDenied):
        raise DjangoPermissionDenied(exc.message) from exc
    if isinstance(exc, ValidationError):
        fields = validation_error_fields(exc)
        summary = None
    elif isinstance(exc, ApplicationError):
        fields = exc.fields
        summary = exc.message
    else:
        raise TypeError(f"not a service error: {exc!r}") from exc
    shown = set()
    for field, messages in fields.items():
        target = field if field in form.fields else None
        for message in messages:
            message = str(message)
            form.add_error(target, message if target else _field_message(form, field, message))
            shown.add(message)
    # The service's own sentence says what rule was broken; the field messages say where.
    if summary and summary not in shown:
        form.add_error(None, summary)


def _field_message(form, field: str, message: str) -> str:
    if field in ("non_field_errors", "__all__"):
        return message
    return f"{field}: {message}"
