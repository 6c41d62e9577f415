"""Writes of the logistics app: carriers, their presence at township centers, shipments (parcels with
their planned legs). Scans are recorded by `logistics.scanning.scans_record`.

Every service is keyword-only and atomic, checks capability and scope, validates (field errors as
`ValidationError`), writes, and records an audit event.
"""

from .carriers import (
    CARRIER_FIELDS,
    carrier_account_set,
    carrier_create,
    carrier_update,
    presence_end,
    presence_record,
)
from .prices import benchmark_record, tariff_record
from .shipments import county_warehouse, plan_legs, serving_center, shipment_create

__all__ = [
    "CARRIER_FIELDS",
    "benchmark_record",
    "carrier_account_set",
    "carrier_create",
    "carrier_update",
    "county_warehouse",
    "plan_legs",
    "presence_end",
    "presence_record",
    "serving_center",
    "shipment_create",
    "tariff_record",
]
