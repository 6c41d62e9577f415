"""Writes of the planning app (every plan is made and saved here): layout and siting plans and distance
matrices (`plans`), a township center's visit schedule and delivery routes (`routes`)."""

from .plans import (
    DEFAULT_BEYOND_M,
    DEFAULT_MIN_SHARE,
    MAX_DETOUR_FACTOR,
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    distance_matrix_upload,
    layout_plan_create,
    matrix_in_scope,
    siting_plan_create,
)
from .routes import route_plan_create, visit_schedule_create

__all__ = [
    "DEFAULT_BEYOND_M",
    "DEFAULT_MIN_SHARE",
    "MAX_DETOUR_FACTOR",
    "MAX_SEED",
    "MAX_TIME_LIMIT_S",
    "distance_matrix_upload",
    "layout_plan_create",
    "matrix_in_scope",
    "route_plan_create",
    "siting_plan_create",
    "visit_schedule_create",
]
