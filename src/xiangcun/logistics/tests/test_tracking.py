"""The parcel's state derived from its scans: ranks on the route, the state machine, and independence
from arrival order and duplicates (hypothesis)."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from ..choices import SHIPMENT_TRANSITIONS, LegStatus, ShipmentStatus
from ..tracking import RETURNED_RANK, RouteLeg, ScanFact, derive, scan_rank, transition_allowed

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2018, 5, 1, 8, 0, tzinfo=BEIJING)
DOWN = [RouteLeg("F1", "F2"), RouteLeg("F2", "S3")]
UP_OUT = [RouteLeg("S3", "F2"), RouteLeg("F2", "F1"), RouteLeg("F1", "X")]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_ranks_on_a_downstream_route():
    assert scan_rank(DOWN, "out", "F1") == (1, 0)
    assert scan_rank(DOWN, "in", "F2") == (2, 0)
    assert scan_rank(DOWN, "out", "F2") == (3, 1)
    assert scan_rank(DOWN, "in", "S3") == (4, 1)
    assert scan_rank(DOWN, "delivered", "S3") == (5, 1)
    assert scan_rank(DOWN, "signed_for", "S3") == (6, 1)
    assert scan_rank(DOWN, "returned", "F2") == (RETURNED_RANK, 0)
    assert scan_rank(DOWN, "returned", "F1") == (RETURNED_RANK, 0)


def test_scans_off_the_route_do_not_fit():
    assert scan_rank(DOWN, "in", "F1") is None  # the parcel starts there
    assert scan_rank(DOWN, "out", "S3") is None
    assert scan_rank(DOWN, "delivered", "F2") is None
    assert scan_rank(DOWN, "in", "F9") is None
    assert scan_rank(DOWN, "returned", "S9") is None
    assert scan_rank(UP_OUT, "in", "X") is None
    assert scan_rank(UP_OUT, "delivered", "X") == (7, 2)


def test_in_order_scans_walk_the_state_machine():
    steps = [
        (ScanFact("out", "F1", at(1)), ShipmentStatus.IN_TRANSIT, None),
        (ScanFact("in", "F2", at(5)), ShipmentStatus.AT_SITE, "F2"),
        (ScanFact("out", "F2", at(20)), ShipmentStatus.IN_TRANSIT, None),
        (ScanFact("in", "S3", at(30)), ShipmentStatus.AT_SITE, "S3"),
        (ScanFact("delivered", "S3", at(30.5)), ShipmentStatus.DELIVERED, "S3"),
        (ScanFact("signed_for", "S3", at(50)), ShipmentStatus.SIGNED_FOR, "S3"),
    ]
    scans, status = [], ShipmentStatus.CREATED
    assert derive(DOWN, [], direction="downstream", booked_at=T0).status == ShipmentStatus.CREATED
    for fact, expected, site in steps:
        scans.append(fact)
        t = derive(DOWN, scans, direction="downstream", booked_at=T0)
        assert (t.status, t.current_key, t.current_since) == (expected, site, fact.at)
        assert transition_allowed(status, t.status)
        status = t.status
    assert t.sent_at == at(1)
    assert t.due_at == at(1) + timedelta(days=7)
    assert t.arrived_at == at(30)
    assert t.signed_at == at(50)
    assert [(leg.status, leg.departed_at, leg.arrived_at) for leg in t.legs] == [
        (LegStatus.ARRIVED, at(1), at(5)),
        (LegStatus.ARRIVED, at(20), at(30)),
    ]


def test_a_new_waybill_waits_at_its_origin_since_it_was_made():
    t = derive(DOWN, [], direction="downstream", booked_at=T0)
    assert (t.status, t.current_key, t.current_since, t.sent_at, t.due_at) == (
        "created",
        "F1",
        T0,
        None,
        None,
    )
    assert [leg.status for leg in t.legs] == ["pending", "pending"]


def test_delivered_before_in_of_the_same_hop_ends_the_same():
    in_order = [
        ScanFact("out", "F2", at(20)),
        ScanFact("in", "S3", at(30)),
        ScanFact("delivered", "S3", at(31)),
    ]
    reversed_arrival = list(reversed(in_order))
    first = derive(DOWN, reversed_arrival[:1], direction="downstream", booked_at=T0)
    assert first.status == ShipmentStatus.DELIVERED  # a missed or late scan does not hold the parcel back
    assert derive(DOWN, reversed_arrival, direction="downstream", booked_at=T0) == derive(
        DOWN, in_order, direction="downstream", booked_at=T0
    )


def test_a_missing_warehouse_scan_starts_the_clock_at_the_waybill():
    t = derive(DOWN, [ScanFact("in", "F2", at(5))], direction="downstream", booked_at=T0)
    assert (t.sent_at, t.due_at) == (T0, T0 + timedelta(days=7))
    assert [leg.status for leg in t.legs] == ["arrived", "pending"]
    assert t.legs[0].departed_at is None


def test_returned_ends_everything_at_the_first_return():
    scans = [
        ScanFact("out", "F1", at(1)),
        ScanFact("in", "S3", at(30)),
        ScanFact("returned", "F2", at(60)),
        ScanFact("returned", "F1", at(80)),
    ]
    t = derive(DOWN, scans, direction="downstream", booked_at=T0)
    assert (t.status, t.current_key, t.current_since, t.returned_at) == ("returned", "F2", at(60), at(60))
    assert t.arrived_at == at(30)


def test_upstream_parcels_have_no_seven_day_limit():
    scans = [ScanFact("out", "S3", at(1)), ScanFact("in", "F1", at(20)), ScanFact("out", "F1", at(21))]
    t = derive(UP_OUT, scans, direction="upstream", booked_at=T0)
    assert (t.status, t.current_key, t.sent_at, t.due_at) == ("in_transit", None, at(1), None)
    assert [leg.status for leg in t.legs] == ["arrived", "arrived", "departed"]


def test_the_state_machine_never_goes_back_and_returned_is_final():
    assert SHIPMENT_TRANSITIONS[ShipmentStatus.RETURNED] == ()
    assert not transition_allowed(ShipmentStatus.DELIVERED, ShipmentStatus.IN_TRANSIT)
    assert not transition_allowed(ShipmentStatus.SIGNED_FOR, ShipmentStatus.DELIVERED)
    assert transition_allowed(ShipmentStatus.AT_SITE, ShipmentStatus.IN_TRANSIT)
    assert all(
        ShipmentStatus.RETURNED in targets for status, targets in SHIPMENT_TRANSITIONS.items() if targets
    )


# Any scan a device might send for a parcel on DOWN (also ones off the route, which are ignored).
SCAN = st.builds(
    ScanFact,
    kind=st.sampled_from(["out", "in", "delivered", "signed_for", "returned"]),
    site_key=st.sampled_from(["F1", "F2", "S3", "F9"]),
    at=st.integers(min_value=0, max_value=400).map(lambda m: at(m / 4)),
)


@settings(max_examples=300, deadline=None)
@given(scans=st.lists(SCAN, max_size=12), data=st.data())
def test_any_permutation_or_duplication_gives_the_same_state(scans, data):
    expected = derive(DOWN, scans, direction="downstream", booked_at=T0)
    shuffled = data.draw(st.permutations(scans))
    doubled = shuffled + data.draw(st.lists(st.sampled_from(scans), max_size=5)) if scans else shuffled
    assert derive(DOWN, doubled, direction="downstream", booked_at=T0) == expected


@settings(max_examples=300, deadline=None)
@given(scans=st.lists(SCAN, max_size=12), data=st.data())
def test_scans_arriving_one_by_one_only_move_the_parcel_forward(scans, data):
    order = data.draw(st.permutations(scans))
    status = ShipmentStatus.CREATED
    for n in range(1, len(order) + 1):
        new = derive(DOWN, order[:n], direction="downstream", booked_at=T0).status
        assert transition_allowed(status, new), (status, new)
        status = new
