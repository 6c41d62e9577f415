"""What each role may change. Reads are governed by scope (see `core.scoping`), writes by this table
*and* scope: a user may only change rows inside their county / township / station.
"""

from .choices import Role

# Capability names are `<app>.<verb>_<model>`; a superuser has them all.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset(
        {
            "regions.change_township",
            "regions.change_village",
            "regions.change_village_poverty",
            "regions.import_village",
            "network.add_facility",
            "network.change_facility",
            "network.transition_facility",
            "network.add_station",
            "network.change_station",
            "network.transition_station",
            "network.import_station",
            "stations.manage_terminal",
            "stations.record_charge",
            "stations.manage_service_company",
            "network.manage_staff",
            "logistics.manage_carrier",
            "planning.create_plan",
        }
    ),
    Role.CONTRACTOR: frozenset(
        {
            "network.add_facility",
            "network.change_facility",
            "network.transition_facility",
            "network.add_station",
            "network.change_station",
            "network.transition_station",
            "network.import_station",
            "stations.manage_terminal",
            "network.manage_staff",
            "logistics.manage_carrier",
            "logistics.record_shipment",
            "logistics.scan",
            # The contractor builds the network and plans it with the bureau (R1.3, R1.4).
            "planning.create_plan",
        }
    ),
    # The poverty office owns the list of registered poor villages.
    Role.POVERTY_OFFICE: frozenset({"regions.change_village_poverty"}),
    # A station manager keeps their own station's contact details and opening hours up to date,
    # records the services they do for villagers, and reports what the contractor charged the station.
    # They also book parcels leaving their station and scan parcels arriving at or leaving it.
    Role.STATION_MANAGER: frozenset(
        {
            "network.change_own_station",
            "stations.record_transaction",
            "stations.record_charge",
            "logistics.record_shipment",
            "logistics.scan",
        }
    ),
    Role.FINANCE: frozenset(),
    # A carrier's staff (linked to their company by a logistics.CarrierAccount) book and scan its parcels.
    Role.CARRIER: frozenset({"logistics.record_shipment", "logistics.scan"}),
    Role.TRAINER: frozenset(),
    Role.AUDITOR: frozenset(),  # read-only by definition
}


def has_capability(user, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())
