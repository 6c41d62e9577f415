"""Recording scans, one or a batch of up to 1,000 (a barcode scanner's session, a phone's outbox).

Contract (like the station ledger's sync): each item
`{"uuid", "waybill", "kind", "at", "site", "carrier"?, "device"?}` gets a result
`{"uuid", "status": "created" | "duplicate" | "rejected", "errors", "waybill", "shipment_status"}`.
An invalid item is rejected with field errors and blocks no other; each valid item is written in its own
savepoint (nothing half-written). A UUID already stored, or the same scan (parcel, kind, site, time)
already stored under another UUID, is a `duplicate`: re-sending a batch is safe. Afterwards each parcel
touched is re-derived from all its scans (`tracking.shipment_refresh`), so the order scans arrive in
does not matter; the monthly rollup rows of the parcels that changed are recomputed, and a proxy
purchase whose parcel reached its station moves to "arrived" / "picked up" in the station ledger
(`tracking.orders_follow_parcels`).

`site` is the code of a facility (e.g. TC-01) or a village station (130425100201-01); a station's
manager may leave it out (their own station). It may be left out for a delivery outside the county.
Who may scan where: a station's manager at their own station; a township-scoped user at their
township's center and stations; a carrier's user (their company's parcels) and the contractor anywhere
in the county.
"""

import re
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import PermissionDenied

from .choices import MAX_SCAN_BATCH, ScanKind
from .models import EXTERNAL, Leg, Scan, Shipment, site_key
from .selectors import shipment_list
from .tracking import orders_follow_parcels, route_of, scan_rank, shipments_refresh

EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)
KNOWN = {"uuid", "waybill", "kind", "at", "site", "carrier", "device"}
STATION_CODE = re.compile(r"^\d{12}-\d{2}$")


@dataclass
class ScanResult:
    uuid: str
    status: str  # created, duplicate, rejected
    errors: dict = field(default_factory=dict)
    waybill: str = ""
    shipment_status: str = ""

    def as_dict(self) -> dict:
        return {
            "uuid": self.uuid,
            "status": self.status,
            "errors": self.errors,
            "waybill": self.waybill,
            "shipment_status": self.shipment_status,
        }


def _parse_at(value, errors: dict, now: datetime) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            errors["at"] = [_("Not an ISO 8601 date-time.")]
            return None
    if not isinstance(value, datetime):
        errors["at"] = [_("Send an ISO 8601 date-time with its UTC offset.")]
    elif value.tzinfo is None:
        errors["at"] = [_("Give the UTC offset, e.g. 2018-05-01T09:30:00+08:00.")]
    elif value < EARLIEST:
        errors["at"] = [_("Before 2015: not plausible for this program.")]
    elif value > now + CLOCK_SKEW:
        errors["at"] = [_("In the future.")]
    else:
        return value
    return None


class _Batch:
    """Per-batch lookups, loaded once: parcels by waybill (with their legs), sites by code."""

    def __init__(self, actor, items):
        self.actor = actor
        self.sites: dict[tuple[int, str], tuple | None] = {}
        self.by_waybill: dict[str, list[Shipment]] = {}
        self.legs: dict[int, list[Leg]] = {}
        self.routes: dict[int, list] = {}
        waybills = sorted(
            {i["waybill"].strip() for i in items if isinstance(i, dict) and isinstance(i.get("waybill"), str)}
        )
        visible = shipment_list(user=actor)
        found: list[Shipment] = []
        for start in range(0, len(waybills), 500):
            found += visible.filter(waybill_no__in=waybills[start : start + 500])
        for shipment in found:
            self.by_waybill.setdefault(shipment.waybill_no, []).append(shipment)
            self.legs[shipment.pk] = []
        ids = list(self.legs)
        for start in range(0, len(ids), 500):
            for leg in Leg.objects.filter(shipment_id__in=ids[start : start + 500]).order_by("sequence"):
                self.legs[leg.shipment_id].append(leg)
        self.routes = {pk: route_of(legs) for pk, legs in self.legs.items()}

    def shipments(self, waybill: str, carrier) -> list[Shipment]:
        matches = self.by_waybill.get(waybill, [])
        if carrier is not None:
            matches = [s for s in matches if s.carrier_id == carrier]
        return matches[:2]

    def route(self, shipment: Shipment):
        return self.routes[shipment.pk], self.legs[shipment.pk]

    def site(self, county_id: int, code: str):
        """(facility, station) with this code in the county, or None."""
        from xiangcun.network.models import Facility, Station

        key = (county_id, code)
        if key not in self.sites:
            found = None
            if STATION_CODE.match(code):
                station = Station.objects.filter(county_id=county_id, code=code).first()
                if station is not None:
                    found = (None, station)
            if found is None:
                facility = Facility.objects.filter(county_id=county_id, code=code).first()
                if facility is not None:
                    found = (facility, None)
            self.sites[key] = found
        return self.sites[key]


def _may_scan_at(actor, facility, station) -> bool:
    """Whether `actor` may scan at this site (the parcel itself is already in their scope)."""
    if actor.is_superuser:
        return True
    if actor.station_id is not None:
        return station is not None and station.pk == actor.station_id
    if actor.township_id is not None:
        site = facility or station
        return site is not None and site.township_id == actor.township_id
    return True


def _check_item(batch: _Batch, item, now: datetime):
    """(result, values to store or None) of one submitted item."""
    if not isinstance(item, dict):
        return ScanResult("", "rejected", {"non_field_errors": [_("Each scan must be a JSON object.")]}), None
    errors: dict[str, list[str]] = {}
    raw_uuid = item.get("uuid")
    scan_uuid = None
    if isinstance(raw_uuid, uuidlib.UUID):
        scan_uuid = raw_uuid
    elif isinstance(raw_uuid, str):
        try:
            scan_uuid = uuidlib.UUID(raw_uuid)
        except ValueError:
            pass
    uuid_text = str(scan_uuid) if scan_uuid else (raw_uuid if isinstance(raw_uuid, str) else "")
    if scan_uuid is None:
        errors["uuid"] = [_("A UUID (e.g. from crypto.randomUUID()) is required.")]
    for name in sorted(set(item) - KNOWN):
        errors[name] = [_("Unknown field.")]
    waybill = item.get("waybill")
    result = ScanResult(uuid_text, "rejected", errors, waybill if isinstance(waybill, str) else "")
    kind = item.get("kind")
    if kind not in ScanKind.values:
        errors["kind"] = [_("One of: %(values)s.") % {"values": ", ".join(ScanKind.values)}]
    at = _parse_at(item["at"], errors, now) if "at" in item else None
    if "at" not in item:
        errors["at"] = [_("This field is required.")]
    device = item.get("device") or ""
    if not isinstance(device, str) or len(device) > 64 or "\x00" in device:
        errors["device"] = [_("Text of at most %(n)s characters.") % {"n": 64}]
    carrier = item.get("carrier")
    if carrier is not None and (isinstance(carrier, bool) or not isinstance(carrier, int)):
        errors["carrier"] = [_("A carrier id (a whole number).")]
        carrier = None
    shipment = None
    if not isinstance(waybill, str) or not waybill.strip():
        errors["waybill"] = [_("This field is required.")]
    elif "carrier" not in errors:
        result.waybill = waybill = waybill.strip()
        found = batch.shipments(waybill, carrier)
        if not found:
            errors["waybill"] = [_("No parcel with this waybill number in your scope.")]
        elif len(found) > 1:
            errors["carrier"] = [_("Several carriers use this waybill number: say which carrier.")]
        else:
            shipment = found[0]
    if shipment is None:
        return result, None
    actor = batch.actor
    code = item.get("site")
    facility = station = None
    if code is None or code == "":
        if actor.station_id is not None and not actor.is_superuser:
            station = actor.station
    elif not isinstance(code, str):
        errors["site"] = [_("A facility or station code.")]
    else:
        found_site = batch.site(shipment.county_id, code.strip())
        if found_site is None:
            errors["site"] = [_("No facility or station with code %(code)s.") % {"code": code.strip()}]
        else:
            facility, station = found_site
    if "site" in errors:
        return result, None
    if not _may_scan_at(actor, facility, station):
        errors["site"] = [_("You may not scan at this site.")]
        return result, None
    key = site_key(getattr(facility, "pk", None), getattr(station, "pk", None))
    route, legs = batch.route(shipment)
    fit = scan_rank(route, kind, key) if kind in ScanKind.values else None
    if kind in ScanKind.values and fit is None:
        where = str(facility or station or _("outside the county"))
        errors["site"] = [
            _("This parcel's route has no “%(kind)s” scan at %(site)s.")
            % {"kind": ScanKind(kind).label, "site": where}
        ]
    if errors:
        return result, None
    return result, {
        "county_id": shipment.county_id,
        "shipment": shipment,
        "leg": legs[fit[1]],
        "kind": kind,
        "at": at,
        "facility": facility,
        "station": station,
        "site_key": key,
        "actor": actor if getattr(actor, "pk", None) else None,
        "device": device.strip(),
        "client_uuid": scan_uuid,
    }


def _stored_keys(candidates: list[dict]) -> tuple[set, set]:
    """The (county, UUID) pairs and the (parcel, kind, site, time) keys already stored among `candidates`."""
    uuids: set = set()
    keys: set = set()
    by_county: dict[int, list] = {}
    for values in candidates:
        by_county.setdefault(values["county_id"], []).append(values["client_uuid"])
    for county_id, wanted in by_county.items():
        for start in range(0, len(wanted), 500):
            uuids.update(
                (county_id, u)
                for u in Scan.objects.filter(
                    county_id=county_id, client_uuid__in=wanted[start : start + 500]
                ).values_list("client_uuid", flat=True)
            )
    ids = sorted({values["shipment"].pk for values in candidates})
    for start in range(0, len(ids), 500):
        keys.update(
            Scan.objects.filter(shipment_id__in=ids[start : start + 500]).values_list(
                "shipment_id", "kind", "site_key", "at"
            )
        )
    return uuids, keys


def scans_record(*, actor, items: Sequence) -> list[ScanResult]:
    """Record a batch of scans (see the module docstring); one result per item, in order."""
    if not has_capability(actor, "logistics.scan"):
        raise PermissionDenied(_("You may not scan parcels."))
    if len(items) > MAX_SCAN_BATCH:
        from django.core.exceptions import ValidationError

        raise ValidationError({"scans": [_("At most %(n)s scans per request.") % {"n": MAX_SCAN_BATCH}]})
    now = timezone.now()
    with transaction.atomic():
        batch = _Batch(actor, items)
        checked = [_check_item(batch, item, now) for item in items]
        results = [result for result, _values in checked]
        candidates = [(result, values) for result, values in checked if values is not None]
        uuids, keys = _stored_keys([values for _result, values in candidates])
        new: list[tuple[ScanResult, dict]] = []
        touched: dict[int, list[ScanResult]] = {}
        for result, values in candidates:
            touched.setdefault(values["shipment"].pk, []).append(result)
            by_uuid = (values["county_id"], values["client_uuid"])
            natural = (values["shipment"].pk, values["kind"], values["site_key"], values["at"])
            if by_uuid in uuids or natural in keys:
                result.status = "duplicate"
                continue
            uuids.add(by_uuid)
            keys.add(natural)
            new.append((result, values))
        try:
            with transaction.atomic():
                Scan.objects.bulk_create([Scan(**values) for _result, values in new], batch_size=500)
            for result, _values in new:
                result.status = "created"
        except IntegrityError:
            # A concurrent request stored some of these meanwhile: one by one, each in its savepoint.
            for result, values in new:
                try:
                    with transaction.atomic():
                        Scan.objects.create(**values)
                except IntegrityError:
                    result.status = "duplicate"
                else:
                    result.status = "created"
        # Parcels locked in id order: two batches touching the same parcels queue, never deadlock.
        ids = sorted(touched)
        locked = []
        for start in range(0, len(ids), 500):
            locked += (
                Shipment.objects.select_for_update().filter(pk__in=ids[start : start + 500]).order_by("pk")
            )
        outcome = shipments_refresh(locked)
        orders_follow_parcels(actor=actor, shipments=locked)
        for shipment in locked:
            old, new_status = outcome[shipment.pk]
            created = sum(1 for r in touched[shipment.pk] if r.status == "created")
            for r in touched[shipment.pk]:
                r.shipment_status = new_status
            if created:
                audit_record(
                    actor=actor,
                    action="shipment.scan",
                    instance=shipment,
                    changes={"status": [old, new_status]} if old != new_status else {},
                    note=f"{created} scan(s)",
                )
    return results


def scan_item(**values) -> dict:
    """A scan item as the API takes it (for pages and tests): `at` as ISO text, a fresh UUID if none."""
    item = {"uuid": str(uuidlib.uuid4()), **values}
    if isinstance(item.get("at"), datetime):
        item["at"] = item["at"].isoformat()
    return item


__all__ = ["EXTERNAL", "ScanResult", "scan_item", "scans_record"]
