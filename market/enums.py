"""Enumerations shared by the model: regions, roles, kinds of agent, relation types."""

from enum import StrEnum


class Region(StrEnum):
    """The model's regions (docs/ODD.md section 2)."""

    US = "US"
    CN = "CN"
    EU = "EU"
    GULF = "GULF"
    ROW = "ROW"


REGIONS: tuple[str, ...] = tuple(r.value for r in Region)


class LabRole(StrEnum):
    """What a lab does: trains and sells models, runs data centres, or is a small follower."""

    FRONTIER = "frontier"
    CLOUD = "cloud"
    FOLLOWER = "follower"


class ChipmakerRole(StrEnum):
    """Kinds of chipmaker."""

    INCUMBENT = "incumbent"
    CHALLENGER = "challenger"
    CUSTOM = "custom"
    DOMESTIC = "domestic"
    ENTRANT = "entrant"


class InvestorKind(StrEnum):
    """Kinds of investor; they differ in what they fund and whether they lend."""

    VENTURE = "venture"
    PUBLIC = "public"
    SOVEREIGN = "sovereign"
    ENERGY = "energy"


class AgentType(StrEnum):
    """The five agent types, as written in the agent table's ``agent_type`` column."""

    LAB = "Lab"
    CHIPMAKER = "Chipmaker"
    UTILITY = "Utility"
    INVESTOR = "Investor"
    GOVERNMENT = "Government"


class PolicySector(StrEnum):
    """Kinds of firm an investment-screening rule can cover: chipmakers, or labs by role."""

    CHIPMAKER = "chipmaker"
    FRONTIER = "frontier"
    CLOUD = "cloud"
    FOLLOWER = "follower"


class Constraint(StrEnum):
    """What cuts a region's build-out in a month (the ``cut_gw_<CAUSE>_<REGION>`` and ``constraint_<REGION>`` columns).

    A lab's plan is cut in this order: chips, power, construction, capital. ``demand`` is what no plan wanted: the
    room the region's supply chain still offered when every lab had planned.
    """

    DEMAND = "demand"
    CHIPS = "chips"
    POWER = "power"
    CONSTRUCTION = "construction"
    CAPITAL = "capital"


SUPPLY_CUTS: tuple[Constraint, ...] = (Constraint.CHIPS, Constraint.POWER, Constraint.CONSTRUCTION, Constraint.CAPITAL)


class ExposureChannel(StrEnum):
    """What a creditor or shareholder of a defaulted firm loses money through (the ``losses`` event's channel).

    Debts (loans, unpaid claims, take-or-pay payments of leases and power) are cleared jointly by Eisenberg-Noe and
    each creditor loses its unpaid share; shareholders lose their stake at its last market value, a chipmaker's stake
    bought by vendor financing counted apart; a defaulted chipmaker's fab partners lose their stakes at book when its
    lines close with no buyer. Debt is loans and bonds (:mod:`market.finance.bond_book`), cleared pari passu.
    """

    LOAN = "loan"
    BOND = "bond"
    CLAIM = "unpaid claim"
    LEASE = "lease take-or-pay"
    POWER = "power take-or-pay"
    STAKE = "stake"
    VENDOR_FINANCING = "vendor financing"
    FAB = "fab partnership"
