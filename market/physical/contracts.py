"""Capacity contracts: a lab commits ahead to lease GW that a cloud will build (docs/ODD.md section 7, Leases).

A contract (``capacity_contracts.<name>``) of G GW falls due in equal parts over R months from its start month s:
D(t) = G min(max((t - s + 1) / R, 0), 1) GW are due by month t. From its signing the lessor plans for the GW due within
its planning horizon and not yet delivered, counting the contract leases it has delivered flat (not grown with its own
demand, as its open-market leases are), and the lessee counts the GW due within its own horizon and not yet delivered,
overdue ones included, as coming (:meth:`agents.lab.Lab.contracted_gap_eflops`). Each month from s, before labs plan,
the lessor leases the lessee what is due and not yet delivered, as far as its online GW not leased out covers it (the
cap on a cloud's share leased out, ``lease_out_share_max``, binds its open-market leases only, and a lessee's exclusive
lessor does not bar a contract it signed), contracts in the order listed, at the lessor's lease price that month, for
the contract's term; a delivery is take-or-pay and not cut to what the lessee can pay (its cash buffer counts the lease
from the next month's plan). What cannot be delivered stays due. A delivered lease shrunk when its lessor's chips retire
(:meth:`market.physical.leases.LeaseBook.fit_to_capacity`) is not delivered again. A contract lapses when either party
fails; nothing is claimed for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from market.physical.compute import format_month, month_index

if TYPE_CHECKING:
    from market.model import ComputeMarket

EPSILON_GW = 1e-9


@dataclass
class CapacityContract:
    """A running contract: its parties' accounts, terms and its deliveries so far, (month, GW) each."""

    name: str
    lessee: int
    lessor: int
    gw: float
    signed_month: int
    start_month: int
    ramp_months: int
    term_months: int
    deliveries: list[tuple[int, float]] = field(default_factory=list)

    @property
    def delivered_gw(self) -> float:
        """GW delivered so far, added in order (plain additions, as the deliveries were made: ``sum`` compensates its
        rounding and would give other last bits, which the plans read)."""
        total = 0.0
        for _, gw in self.deliveries:
            total += gw
        return total

    def due_gw(self, month: int) -> float:
        """D(t) = G min(max((t - s + 1) / R, 0), 1): GW due by ``month``."""
        return self.gw * min(max((month - self.start_month + 1) / self.ramp_months, 0.0), 1.0)

    def delivered_gw_by(self, month: int) -> float:
        """GW delivered in the months up to ``month``."""
        return sum(gw for delivered_month, gw in self.deliveries if delivered_month <= month)

    def open_gw(self, month: int) -> float:
        """GW due by ``month`` and not yet delivered."""
        return max(self.due_gw(month) - self.delivered_gw, 0.0)


class ContractBook:
    """The run's capacity contracts, in the order the scenario lists them (each signed in the run's months).

    Args:
        model: The model; its labs and lease book must exist.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.contracts = [
            CapacityContract(name, model.labs[spec.lessee].account, model.labs[spec.lessor].account, spec.gw,
                             month_index(spec.signed_date), month_index(spec.start_date), spec.ramp_months, spec.term_months)
            for name, spec in model.params.capacity_contracts.items()
        ]

    def in_force(self, contract: CapacityContract) -> bool:
        """Whether the contract is signed by this month, both parties are alive and GW remain to deliver."""
        model = self.model
        return (model.month >= contract.signed_month and contract.delivered_gw < contract.gw - EPSILON_GW
                and model.agent_by_account(contract.lessee).alive and model.agent_by_account(contract.lessor).alive)

    def to_lease_out_gw(self, account: int, by_month: int) -> float:
        """GW the account, as lessor, must still deliver by ``by_month`` under contracts in force."""
        return sum(c.open_gw(by_month) for c in self.contracts if c.lessor == account and self.in_force(c))

    def to_lease_in_gw(self, account: int, by_month: int) -> float:
        """GW the account, as lessee, has still coming by ``by_month`` under contracts in force."""
        return sum(c.open_gw(by_month) for c in self.contracts if c.lessee == account and self.in_force(c))

    def deliver(self) -> None:
        """Lease each contract's GW due this month and not yet delivered, as far as its lessor's online GW not leased out
        covers it; log each signing and each delivery."""
        model = self.model
        leases = model.leases
        for contract in self.contracts:
            lessee, lessor = model.agent_by_account(contract.lessee), model.agent_by_account(contract.lessor)
            if model.month == contract.signed_month and lessee.alive and lessor.alive:
                model.log_event("capacity_contract", [lessor.name, lessee.name],
                                f"{contract.name}: {contract.gw:.3f} GW due over {contract.ramp_months} months from "
                                f"{format_month(contract.start_month)}, {contract.term_months}-month leases")
            if model.month < contract.start_month or not self.in_force(contract):
                continue
            free = model.owned_online_gw[lessor.account] - leases.leased_out_gw(lessor.account)
            gw = min(contract.open_gw(model.month), float(free))
            if gw > EPSILON_GW:
                leases.sign(lessor, lessee, gw, term_months=contract.term_months, contract=contract.name)
                contract.deliveries.append((model.month, gw))
                model.log_event("contract_delivered", [lessor.name, lessee.name],
                                f"{contract.name}: {gw:.3f} GW, {contract.delivered_gw:.3f} of {contract.gw:.3f} GW delivered")
