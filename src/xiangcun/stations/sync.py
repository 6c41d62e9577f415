"""Batch ingest of ledger entries: the offline sync of station pages and terminals.

The public contract (documented in the OpenAPI schema for terminal vendors):
request `{"transactions": [{"uuid", "kind", "occurred_at", "amount", "villager_name", "description", …}]}`,
response `{"results": [{"uuid", "status": "created" | "duplicate" | "rejected", "errors": {…}}]}`.

Each item is validated on its own: an invalid item is rejected with its field errors and does not block
the valid ones. Valid items are inserted with one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING
uuid`: the unique constraint (county, uuid) decides what is new, so a batch replayed after a dropped
response, or sent twice at once, is stored exactly once; what the database did not insert is reported
as `duplicate`. The monthly rollups get the inserted rows in the same transaction.

This is the hot path of the platform (≥20,000 entries/s on SQLite), so it avoids the ORM's per-object
work: validation is plain Python, values are adapted once per column type.
"""

import json
import re
import sqlite3
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.core.db import write_lock
from xiangcun.reporting.rollups import ledger_add_station_rows

from .choices import INITIAL_STATUS, MAX_AMOUNT, Marketplace, PaymentMethod, ServiceKind, TxSource
from .models import Transaction

MAX_BATCH = 1000
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)  # a terminal's clock may run a little fast
# Asia/Shanghai has had no daylight saving time since 1991: a fixed offset gives the local month.
BEIJING_OFFSET = timedelta(hours=8)
REQUIRED = ("uuid", "kind", "occurred_at", "amount")
TEXT_LIMITS = {
    "villager_name": 50,
    "villager_phone": 20,
    "description": 200,
    "order_no": 64,
    "reference": 64,
    "biller": 64,
}
CHOICE_FIELDS = {"payment_method": set(PaymentMethod.values), "marketplace": set(Marketplace.values)}
OPTIONAL = frozenset({*TEXT_LIMITS, *CHOICE_FIELDS, "items"})
EMPTY_OPTIONALS = dict.fromkeys([*TEXT_LIMITS, *CHOICE_FIELDS], "")
KNOWN = {*REQUIRED, *OPTIONAL, "fee"}
KINDS = set(ServiceKind.values)
PLAIN_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
UUID_CANONICAL = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COLUMNS = (
    "county_id",
    "station_id",
    "uuid",
    "kind",
    "status",
    "occurred_at",
    "amount",
    "fee",
    "villager_name",
    "villager_phone",
    "description",
    "items",
    "marketplace",
    "order_no",
    "payment_method",
    "reference",
    "biller",
    "source",
    "actor_id",
    "terminal_id",
    "recorded_at",
)


@dataclass
class ItemResult:
    uuid: str
    status: str  # created, duplicate, rejected
    errors: dict

    def as_dict(self) -> dict:
        return {"uuid": self.uuid, "status": self.status, "errors": self.errors}


def _amount(value, field: str, errors: dict, *, maximum: Decimal | None) -> int | None:
    """Fen of a decimal string / integer / JSON number parsed as Decimal; records an error otherwise."""
    if type(value) is str and PLAIN_AMOUNT.match(value):
        # The common case ("128.50"): integer arithmetic on the digits, no Decimal.
        whole, _dot, frac = value.partition(".")
        fen = int(whole) * 100 + int(frac.ljust(2, "0") or 0)
        if maximum is None or fen <= maximum * 100:
            return fen
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        errors[field] = [_('Send the amount as a decimal string, e.g. "12.50".')]
        return None
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        errors[field] = [_("Not a number.")]
        return None
    if not amount.is_finite():
        errors[field] = [_("Not a number.")]
    elif amount < 0:
        errors[field] = [_("Must not be negative.")]
    elif amount.as_tuple().exponent < -2:
        errors[field] = [_("At most two decimal places (fen).")]
    elif maximum is not None and amount > maximum:
        errors[field] = [_("Implausibly large: at most %(max)s yuan for this service.") % {"max": maximum}]
    else:
        return int(amount * 100)
    return None


def _moment(value, errors: dict, now: datetime) -> datetime | None:
    if not isinstance(value, str):
        errors["occurred_at"] = [_("Send an ISO 8601 date-time with its UTC offset.")]
        return None
    try:
        moment = datetime.fromisoformat(value)
        too_early = moment.tzinfo is not None and moment < EARLIEST
    except (ValueError, OverflowError):
        # OverflowError: a date at the edge of the calendar (year 1) whose offset leaves it.
        errors["occurred_at"] = [_("Not an ISO 8601 date-time.")]
        return None
    if moment.tzinfo is None:
        errors["occurred_at"] = [_("Give the UTC offset, e.g. 2018-05-01T09:30:00+08:00.")]
    elif too_early:
        errors["occurred_at"] = [_("Before 2015: not plausible for this program.")]
    elif moment > now + CLOCK_SKEW:
        errors["occurred_at"] = [_("In the future.")]
    else:
        return moment
    return None


def _has_nul_or_deep(value, depth: int = 0) -> bool:
    """Whether a JSON value holds a NUL character anywhere (PostgreSQL's jsonb refuses it) or nests
    deeper than 20 levels (no real item list does; it would only strain every later reader)."""
    if depth > 20:
        return True
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul_or_deep(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_has_nul_or_deep(k, depth + 1) or _has_nul_or_deep(v, depth + 1) for k, v in value.items())
    return False


def validate_item(item, now: datetime) -> tuple[str, dict, dict]:
    """(uuid text, cleaned values, field errors) of one submitted item."""
    if not isinstance(item, dict):
        return "", {}, {"non_field_errors": [_("Each transaction must be a JSON object.")]}
    errors: dict[str, list[str]] = {}
    raw_uuid = item.get("uuid")
    # The canonical form (what crypto.randomUUID() and uuid4() give) is checked with a regex, which is
    # several times faster than constructing a UUID object; other spellings are normalised through one.
    tx_uuid = None
    if isinstance(raw_uuid, str):
        if UUID_CANONICAL.match(raw_uuid):
            tx_uuid = raw_uuid.lower()
        else:
            try:
                tx_uuid = str(uuidlib.UUID(raw_uuid))
            except ValueError:
                pass
    uuid_text = tx_uuid or (raw_uuid if isinstance(raw_uuid, str) else "")
    if tx_uuid is None:
        errors["uuid"] = [_("A UUID (e.g. from crypto.randomUUID()) is required.")]
    if not item.keys() <= KNOWN:
        for field in sorted(set(item) - KNOWN):
            errors[field] = [_("Unknown field.")]
    for field in REQUIRED:
        if field not in item and field not in errors:
            errors[field] = [_("This field is required.")]
    kind = item.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        if "kind" in item:
            errors["kind"] = [
                _("Unknown service kind; one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))}
            ]
        kind = None
    maximum = MAX_AMOUNT.get(kind)
    clean = {
        "uuid": tx_uuid,
        "kind": kind,
        "occurred_at": _moment(item["occurred_at"], errors, now) if "occurred_at" in item else None,
        "amount": _amount(item["amount"], "amount", errors, maximum=maximum) if "amount" in item else None,
        "fee": _amount(item["fee"], "fee", errors, maximum=maximum) if "fee" in item else 0,
    }
    clean.update(EMPTY_OPTIONALS)
    clean["items"] = []
    for field in item.keys() & OPTIONAL:
        value = item[field]
        if value is None:
            continue
        if field == "items":
            if not isinstance(value, list) or len(value) > 100:
                errors["items"] = [_("A list of at most 100 items.")]
            elif value and _has_nul_or_deep(value):
                errors["items"] = [_("Must not contain NUL characters or be nested deeper than 20 levels.")]
            else:
                clean["items"] = value
        elif field in CHOICE_FIELDS:
            if not isinstance(value, str) or (value and value not in CHOICE_FIELDS[field]):
                values = ", ".join(sorted(CHOICE_FIELDS[field]))
                errors[field] = [_("One of: %(values)s.") % {"values": values}]
            else:
                clean[field] = value or ""
        elif not isinstance(value, str):
            errors[field] = [_("Must be text.")]
        elif len(value) > TEXT_LIMITS[field]:
            errors[field] = [_("At most %(n)s characters.") % {"n": TEXT_LIMITS[field]}]
        elif "\x00" in value:
            # PostgreSQL text cannot hold NUL; refused on every database alike.
            errors[field] = [_("Must not contain NUL characters.")]
        else:
            clean[field] = value.strip()
    return uuid_text, clean, errors


def _adapters():
    """Column adapters for this database: SQLite stores UUIDs as 32 hex characters and datetimes as UTC
    text; PostgreSQL takes the canonical UUID text and aware datetimes."""
    if connection.vendor == "sqlite":
        return (lambda u: u.replace("-", "")), (lambda utc: utc.replace(tzinfo=None).isoformat(" "))
    return (lambda u: u), (lambda utc: utc)


def _json(value) -> str:
    if not value:
        return "[]"
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def transactions_sync(
    *,
    station,
    items: Sequence,
    actor=None,
    terminal=None,
    source: str = TxSource.SYNC,
) -> list[ItemResult]:
    """Store the valid, new items of a batch for `station`; one result per item, in order.

    The caller has checked that `actor` or `terminal` may write this station's ledger.
    """
    now = timezone.now()
    results: list[ItemResult] = []
    rows = []
    # uuid text → (result index, (year, month), kind, amount fen, fee fen); the first of a UUID wins.
    pending: dict[str, tuple] = {}
    to_uuid, to_moment = _adapters()
    county_id, station_id = station.county_id, station.pk
    actor_id = getattr(actor, "pk", None)
    terminal_id = getattr(terminal, "pk", None)
    recorded_at = to_moment(now.astimezone(UTC))
    for item in items:
        uuid_text, clean, errors = validate_item(item, now)
        if errors:
            results.append(ItemResult(uuid_text, "rejected", errors))
            continue
        results.append(ItemResult(uuid_text, "duplicate", {}))
        if uuid_text in pending:
            continue  # the same UUID twice in one batch: the first one is the one stored
        kind = clean["kind"]
        utc = clean["occurred_at"].astimezone(UTC)
        local = utc + BEIJING_OFFSET
        pending[uuid_text] = (
            len(results) - 1,
            (local.year, local.month),
            kind,
            clean["amount"],
            clean["fee"],
        )
        rows.append(
            (
                county_id,
                station_id,
                to_uuid(uuid_text),
                kind,
                INITIAL_STATUS[kind],
                to_moment(utc),
                clean["amount"],
                clean["fee"],
                clean["villager_name"],
                clean["villager_phone"],
                clean["description"],
                _json(clean["items"]),
                clean["marketplace"],
                clean["order_no"],
                clean["payment_method"],
                clean["reference"],
                clean["biller"],
                source,
                actor_id,
                terminal_id,
                recorded_at,
            )
        )
    if not rows:
        return results
    # Rows in UUID order: two requests inserting overlapping batches lock the unique-index entries in
    # the same order, so on PostgreSQL they queue instead of deadlocking (likewise the rollup rows).
    stored_as = {row[2]: uuid_text for uuid_text, row in zip(pending, rows, strict=True)}
    rows.sort(key=lambda row: row[2])
    with write_lock(), transaction.atomic():
        totals: dict[tuple, list[int]] = {}
        township_id = station.township_id
        for stored in _insert(rows):
            index, (year, month), kind, amount, fee = pending[stored_as[stored]]
            results[index].status = "created"
            key = (county_id, township_id, station_id, date(year, month, 1), kind)
            sums = totals.get(key)
            if sums is None:
                totals[key] = [1, amount, fee, 0, 0]
            else:
                sums[0] += 1
                sums[1] += amount
                sums[2] += fee
        ledger_add_station_rows(dict(sorted(totals.items())))
    return results


def _insert(rows: list[tuple]) -> list:
    """Insert `rows` (COLUMNS order), skipping UUIDs already stored; the stored form of the UUIDs the
    database actually inserted, as passed in (32 hex characters on SQLite, canonical text on PostgreSQL)."""
    qn = connection.ops.quote_name
    table = qn(Transaction._meta.db_table)
    sqlite = connection.vendor == "sqlite"
    mark = "?" if sqlite else "%s"
    placeholders = "(" + ", ".join([mark] * len(COLUMNS)) + ")"
    # Only table and column names from the models are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in COLUMNS)}) VALUES "
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT ({qn('county_id')}, {qn('uuid')}) DO NOTHING RETURNING {qn('uuid')}"
    )
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        if sqlite:
            # Django's SQLite cursor rewrites every %s to ? with a regex: with 10,000 parameters that is
            # a measurable share of the batch, so the statement goes to the driver's cursor as it is.
            raw = sqlite3.Cursor.execute(cursor.cursor, sql, params)
            return [value for (value,) in raw.fetchall()]
        cursor.execute(sql, params)
        return [str(value) for (value,) in cursor.fetchall()]
