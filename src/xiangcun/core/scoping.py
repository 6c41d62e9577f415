"""Row-level scope: which rows of a county a user may see.

Every selector passes its queryset through `scope_queryset` with the lookup paths from that model to
its county, township and station. A user with no county (and not a superuser) sees nothing.
"""

from django.db.models import Q, QuerySet


def scope_queryset(
    qs: QuerySet,
    user,
    *,
    county: str | None,
    township: str | None = None,
    station: str | None = None,
    township_or_county_level: bool = False,
) -> QuerySet:
    """Filter `qs` to what `user` may see.

    `county`, `township`, `station` are lookup paths from the model to the related row (e.g. "county",
    "village__township"; "pk" for the model itself), compared with the user's ids.
    A path of None means the model has no such link: a user scoped below that level then only sees
    rows through the levels the model does have. With `township_or_county_level`, rows whose township
    is empty (county-level facilities) stay visible to township- and station-scoped users.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.county_id is None or county is None:
        return qs.none()
    qs = qs.filter(**{county: user.county_id})
    if user.station_id is not None:
        if station is not None:
            return qs.filter(**{station: user.station_id})
        return _by_township(qs, township, user_township_id(user), township_or_county_level)
    if user.township_id is not None:
        return _by_township(qs, township, user.township_id, township_or_county_level)
    return qs


def _by_township(qs, path, township_id, county_level_visible):
    if path is None:
        return qs
    condition = Q(**{path: township_id})
    if county_level_visible:
        condition |= Q(**{f"{path}__isnull": True})
    return qs.filter(condition)


def user_township_id(user) -> int | None:
    """The township a user is confined to (directly or through their station), or None."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    if user.township_id:
        return user.township_id
    if user.station_id:
        return user.station.township_id
    return None


def lock_in_scope(qs: QuerySet, pk, message: str):
    """The row `pk` of the scoped queryset `qs`, locked for update (only its own table, which PostgreSQL
    needs when the selector joins nullable relations); PermissionDenied(message) when out of scope."""
    from .errors import PermissionDenied

    row = qs.select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise PermissionDenied(message)
    return row


def in_scope(user, qs: QuerySet, pk) -> bool:
    """True if the row `pk` is in the scoped queryset `qs`."""
    return qs.filter(pk=pk).exists()
