"""Generation built for labs' own sites, financed by the labs or by energy funds: the plants, the rule that
commissions them, their books and their bills.

A plant is dedicated to its owner's sites in one region (the lab it serves): once online, its firm GW join the
region's supply but only the owner's projects may be connected to them until the owner uses them
(:class:`agents.utility.Utility`). A plant the lab finances itself (behind the meter) is on the lab's books (cost paid,
depreciated straight-line over ``energy.plant_life_months`` once online) and the lab pays its operating cost on what
it draws. A plant energy funds finance (``energy.fund_financed_share`` of each order, when the funds hold its capex)
is theirs: they pay its capex, pro rata to their cash, and sell its output to the lab under a power purchase
agreement at its levelized cost, capex / firm GW x ``capital_recovery_per_year`` / 12 + operating cost per GW-month
drawn, paying the operating cost themselves. A failed plant is a loss for whoever paid for it. The rule is
:class:`market.parameters.energy.EnergySpec`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from agents.utility import usd_bn_per_gw_month
from market.enums import InvestorKind
from market.finance.ledger import OUTSIDE, PaymentKind
from market.rng import Stream

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket
    from market.parameters.energy import GenerationTechSpec


class PlantStatus(StrEnum):
    """Where a dedicated plant stands (``released``: passed to the grid when the lab it served defaulted)."""

    BUILDING = "building"
    ONLINE = "online"
    FAILED = "failed"
    RELEASED = "released"


@dataclass
class Plant:
    """One dedicated plant: the lab it serves (``owner``), site region, technology, firm GW, cost, schedule (months are
    indices) and, for a plant energy funds finance, each fund's account and share (empty: the owner financed it)."""

    id: int
    owner: int
    site: str
    technology: str
    firm_gw: float
    capex_usd_bn: float
    started_month: int
    planned_month: int
    online_month: int
    fails_month: int | None
    paid_usd_bn: float = 0.0
    status: PlantStatus = PlantStatus.BUILDING
    funded_by: dict[int, float] = field(default_factory=dict)

    def instalment_usd_bn(self, months: int) -> float:
        """Capex paid per month of its nominal build (``months`` = the technology's lead time)."""
        return self.capex_usd_bn / max(months, 1)


class EnergyBook:
    """Every dedicated plant, the labs' rule for commissioning them, and what they cost their owners.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.plants: dict[int, Plant] = {}
        self.by_owner: dict[int, list[Plant]] = {}
        self.building: dict[tuple[int, str], list[Plant]] = {}
        self.online: dict[tuple[int, str], list[Plant]] = {}
        self.lost_usd_bn = 0.0
        self.lost_by_funds_usd_bn = 0.0
        self._funding: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # --- what the plants give -----------------------------------------------------------------
    def _spec(self, plant: Plant) -> GenerationTechSpec:
        return self.model.params.energy.technologies[plant.technology]

    def building_firm_gw(self, owner: int, site: str) -> float:
        """Firm GW of the owner's plants at ``site`` still building."""
        return sum(p.firm_gw for p in self.building.get((owner, site), ()))

    def owners_building_at(self, site: str) -> set[int]:
        """Owners with plants still building at ``site``."""
        return {owner for (owner, at), plants in self.building.items() if at == site and plants}

    def due_firm_gw_within(self, owner: int, site: str, months: int) -> float:
        """Firm GW of the owner's plants at ``site`` still building and planned online within ``months``."""
        by_month = self.model.month + months
        return sum(p.firm_gw for p in self.building.get((owner, site), ()) if p.planned_month <= by_month)

    def book_value_usd_bn(self, owner: int, online_only: bool = False) -> float:
        """The owner's plants at book: paid while building, paid less straight-line depreciation once online; with
        ``online_only``, its online plants alone."""
        life = self.model.params.energy.plant_life_months
        value = 0.0
        kept = (PlantStatus.ONLINE,) if online_only else (PlantStatus.BUILDING, PlantStatus.ONLINE)
        for plant in self.by_owner.get(owner, ()):
            if plant.status not in kept or plant.funded_by:
                continue
            used = max(self.model.month - plant.online_month, 0) if plant.status is PlantStatus.ONLINE else 0
            value += plant.paid_usd_bn * max(1.0 - used / life, 0.0)
        return value

    def depreciation_month_usd_bn(self, owner: int) -> float:
        """The owner's monthly depreciation of its online plants."""
        life = self.model.params.energy.plant_life_months
        return sum(p.paid_usd_bn / life for p in self.by_owner.get(owner, ())
                   if p.status is PlantStatus.ONLINE and not p.funded_by and self.model.month - p.online_month < life)

    def due_within_usd_bn(self, owner: int, months: int) -> float:
        """Capex instalments the owner's own building plants will call within ``months``."""
        due = 0.0
        for plant in self.by_owner.get(owner, ()):
            if plant.status is PlantStatus.BUILDING and not plant.funded_by:
                due += min(plant.instalment_usd_bn(self._spec(plant).lead_time_months) * months,
                           plant.capex_usd_bn - plant.paid_usd_bn)
        return due

    def self_powered_gw(self, site: str) -> float:
        """Online compute GW at ``site`` that runs on its owners' dedicated plants: sum over owners of
        min(online GW of the owner's projects there, the owner's dedicated GW there)."""
        model = self.model
        total = 0.0
        for owner, dedicated in model.utilities[site].dedicated_gw.items():
            lab = model.agent_by_account(owner)
            online = sum(model.projects[i].online_gw for i in lab.project_ids if model.projects[i].site == site)
            total += min(online, dedicated)
        return total

    def funds_capex_usd_bn(self) -> float:
        """Capex energy funds have paid for plants over the run, failed and released ones included."""
        return sum(p.paid_usd_bn for p in self.plants.values() if p.funded_by)

    def funds_outstanding_usd_bn(self) -> float:
        """Capex energy funds still owe on their plants being built."""
        return sum(p.capex_usd_bn - p.paid_usd_bn for plants in self.building.values() for p in plants if p.funded_by)

    def ppa_price_usd_bn_per_gw_month(self, plant: Plant) -> float:
        """Levelized cost of a fund-financed plant per GW-month drawn: capex / firm GW x recovery / 12 + operating cost."""
        recovery = self.model.params.energy.capital_recovery_per_year
        fuel = usd_bn_per_gw_month(self._spec(plant).operating_cost_usd_mwh)
        return plant.capex_usd_bn / plant.firm_gw * recovery / 12.0 + fuel

    def bill(self, owner: int, site: str, drawn_gw: float) -> None:
        """Bill the owner for ``drawn_gw`` of its dedicated supply at ``site``, drawn from its online plants in proportion to
        their firm GW: its own plants' operating cost to outside; the funds' plants' PPA price to the funds, which pay
        the operating cost."""
        model = self.model
        online = self.online.get((owner, site), ())
        firm = sum(p.firm_gw for p in online)
        if firm <= 0 or drawn_gw <= 0:
            return
        own_cost = 0.0
        funders: list[np.ndarray] = []
        to_funds: list[np.ndarray] = []
        funds_cost: list[np.ndarray] = []
        for plant in online:
            drawn = drawn_gw * plant.firm_gw / firm
            opex = drawn * usd_bn_per_gw_month(self._spec(plant).operating_cost_usd_mwh)
            if not plant.funded_by:
                own_cost += opex
                continue
            price = drawn * self.ppa_price_usd_bn_per_gw_month(plant)
            accounts, shares = self._funding[plant.id]
            funders.append(accounts)
            to_funds.append(price * shares)
            funds_cost.append(opex * shares)
        model.dues.add(owner, OUTSIDE, own_cost, PaymentKind.GENERATION_OPEX)
        if funders:
            # each fund's PPA revenue and operating cost, added plant by plant in the book's order
            accounts = np.concatenate(funders)
            revenue, cost = np.zeros(model.ledger.n_accounts), np.zeros(model.ledger.n_accounts)
            np.add.at(revenue, accounts, np.concatenate(to_funds))
            np.add.at(cost, accounts, np.concatenate(funds_cost))
            for account in np.unique(accounts).tolist():
                model.dues.add(owner, account, float(revenue[account]), PaymentKind.POWER)
                model.dues.add(account, OUTSIDE, float(cost[account]), PaymentKind.GENERATION_OPEX)

    # --- the rule -------------------------------------------------------------------------------
    def value_of_compute_usd_bn_per_gw_month(self, lab: Lab) -> float:
        """v = p e - k / L - m: what a GW-month of new compute earns the lab at its price, less its chips' and building's
        cost per month of life and its maintenance."""
        model = self.model
        eflops_per_gw, cost_per_gw = model.procurement.best_offer(lab)
        return (lab.price_usd_bn_per_eflops_month * eflops_per_gw - cost_per_gw / model.params.technology.useful_life_months
                - model.params.lab_behaviour.maintenance_usd_bn_per_gw_month)

    def cost_of_supply_usd_bn_per_gw_month(self, technology: str) -> float:
        """capex / cf x capital recovery / 12 + operating cost: a month of one firm GW from a new plant."""
        spec = self.model.params.energy.technologies[technology]
        recovery = self.model.params.energy.capital_recovery_per_year
        return (spec.capex_usd_bn_per_gw / spec.capacity_factor * recovery / 12.0
                + usd_bn_per_gw_month(spec.operating_cost_usd_mwh))

    def invest(self, power_cuts: dict[tuple[int, str], float]) -> None:
        """Each lab whose plan power cut this month commissions the dedicated supply the rule asks for (see EnergySpec),
        each technology's orders cut pro rata to what its suppliers deliver in a month."""
        model = self.model
        spec = model.params.energy
        if not spec.labs_invest:
            return
        months = model.params.lab_behaviour.gap_closing_months
        orders: list[tuple[Lab, str, dict[str, float]]] = []
        for (account, site), cut_gw in sorted(power_cuts.items()):
            lab = model.agent_by_account(account)
            if not lab.alive or lab.profile.own_build_share <= 0:
                continue
            wanted = (cut_gw * months - self.building_firm_gw(account, site)
                      - model.utilities[site].unused_dedicated_gw(account))
            if wanted < spec.min_plant_gw:
                continue
            value = self.value_of_compute_usd_bn_per_gw_month(lab)
            shares = {name: tech.share_of_investment for name, tech in spec.technologies.items()
                      if tech.share_of_investment > 0 and self.cost_of_supply_usd_bn_per_gw_month(name) < value}
            while shares and wanted * min(shares.values()) / sum(shares.values()) < spec.min_plant_gw:
                shares.pop(min(shares, key=lambda name: (shares[name], name)))
            if shares:
                total = sum(shares.values())
                orders.append((lab, site, {name: wanted * share / total for name, share in shares.items()}))
        for name, tech in spec.technologies.items():
            nameplate = sum(firm.get(name, 0.0) for _, _, firm in orders) / tech.capacity_factor
            if nameplate > tech.max_nameplate_gw_per_month:
                for _, _, firm in orders:
                    if name in firm:
                        firm[name] *= tech.max_nameplate_gw_per_month / nameplate
        for lab, site, firm in orders:
            commissioned = self._commission_affordable(lab, site, firm)
            utility = model.utilities[site]
            utility.turned_away_gw = max(utility.turned_away_gw - commissioned, 0.0)

    def _energy_funds(self) -> tuple[np.ndarray, np.ndarray]:
        """The energy funds' accounts and cash."""
        investors = self.model.investors
        accounts = investors.accounts[investors.kinds == InvestorKind.ENERGY.value]
        return accounts, np.maximum(self.model.ledger.balances_of(accounts), 0.0)

    def _commission_affordable(self, lab: Lab, site: str, firm_gw: dict[str, float]) -> float:
        """Energy funds take ``fund_financed_share`` of each technology's part of the order when their cash, less what
        they still owe on their plants, covers it and both parts reach ``min_plant_gw`` (else the whole part when they
        can, or none); the lab raises what its own parts call within the funding horizon and commissions as much of
        them as it can pay. Returns the firm GW commissioned."""
        model = self.model
        spec = model.params.energy
        accounts, cash = self._energy_funds()
        room = float(cash.sum()) - self.funds_outstanding_usd_bn()
        parts: dict[str, tuple[float, float]] = {}
        for name, gw in sorted(firm_gw.items()):
            tech = spec.technologies[name]
            split = spec.fund_financed_share
            if gw * split < spec.min_plant_gw or gw * (1.0 - split) < spec.min_plant_gw:
                split = 1.0 if split >= 0.5 else 0.0
            if gw * split / tech.capacity_factor * tech.capex_usd_bn_per_gw > room:
                split = 0.0
            room -= gw * split / tech.capacity_factor * tech.capex_usd_bn_per_gw
            parts[name] = (gw * split, gw * (1.0 - split))
        commissioned = 0.0
        if any(funded > 0 for funded, _ in parts.values()):
            weights = cash / cash.sum()
            funds = {int(a): float(w) for a, w in zip(accounts, weights, strict=True) if w > 0}
            for name, (funded, _) in parts.items():
                if funded > 0:
                    self.commission(lab, site, name, funded, funds)
                    commissioned += funded
        horizon = model.params.finance.funding_horizon_months
        need = 0.0
        for name, (_, own) in parts.items():
            tech = spec.technologies[name]
            capex = own / tech.capacity_factor * tech.capex_usd_bn_per_gw
            need += capex * min(horizon, tech.lead_time_months) / tech.lead_time_months
        if need <= 0:
            return commissioned
        spare = lab.spare_cash_usd_bn()
        if spare < need:
            spare += lab.finance(need - spare)
        paid = min(1.0, max(spare, 0.0) / need)
        for name, (_, own) in parts.items():
            if own * paid >= spec.min_plant_gw:
                self.commission(lab, site, name, own * paid)
                commissioned += own * paid
        return commissioned

    def commission(self, lab: Lab, site: str, technology: str, firm_gw: float,
                   funded_by: dict[int, float] | None = None) -> Plant:
        """Start a plant of ``firm_gw`` firm GW for the lab's sites at ``site`` (financed by the funds in ``funded_by``,
        account -> share, or by the lab); draw whether it fails or runs late."""
        model = self.model
        tech = model.params.energy.technologies[technology]
        rng = model.streams.get(Stream.GENERATION_RISK)
        lead = tech.lead_time_months
        fails_month = model.month + 1 + int(rng.integers(lead)) if rng.random() < tech.failure_probability else None
        late = tech.delay_months if rng.random() < tech.delay_probability else 0
        plant = Plant(model.next_id("plant"), lab.account, site, technology, firm_gw,
                      firm_gw / tech.capacity_factor * tech.capex_usd_bn_per_gw, model.month,
                      model.month + lead, model.month + lead + late, fails_month, funded_by=dict(funded_by or {}))
        self.plants[plant.id] = plant
        self._funding[plant.id] = (np.fromiter(plant.funded_by, dtype=np.int64),
                                   np.fromiter(plant.funded_by.values(), dtype=float))
        self.by_owner.setdefault(lab.account, []).append(plant)
        self.building.setdefault((lab.account, site), []).append(plant)
        financier = f"{len(plant.funded_by)} energy funds under a PPA" if plant.funded_by else "itself"
        model.log_event("generation_commissioned", [lab.name],
                        f"{firm_gw:.3f} firm GW of {technology} at {site} for {plant.capex_usd_bn:.2f} $bn, "
                        f"due in {lead} months, financed by {financier}")
        return plant

    # --- each month -----------------------------------------------------------------------------
    def progress(self) -> None:
        """Call the month's instalments, abandon plants that fail, bring finished ones online (before connections).

        The lab's own plants call their instalments as dues; the funds pay theirs from cash, pro rata to their shares
        (plant by plant in the book's order, :meth:`market.finance.ledger.Ledger.collect_in_turn`), and a funded plant
        comes online only once paid for. The funds' instalments are collected before the rest of the pass: nothing else
        in it (dues, abandoning a plant, bringing one online) touches the ledger, so the journal's order is the pass's."""
        model = self.model
        building = [p for plants in self.building.values() for p in plants]
        funded = [(plant, due) for plant in building if plant.funded_by and not self._fails_now(plant)
                  and (due := self._instalment_due_usd_bn(plant)) > 1e-12]
        groups = [(self._funding[plant.id][0], self._funding[plant.id][1] * due) for plant, due in funded]
        for (plant, _), paid in zip(funded, model.ledger.collect_in_turn(groups, OUTSIDE, PaymentKind.GENERATION_CAPEX),
                                    strict=True):
            plant.paid_usd_bn += paid
        for plant in building:
            owner = model.agent_by_account(plant.owner)
            if self._fails_now(plant):
                self._abandon(plant, "abandoned")
                continue
            due = self._instalment_due_usd_bn(plant)
            if due > 1e-12 and not plant.funded_by:
                model.dues.add(plant.owner, OUTSIDE, due, PaymentKind.GENERATION_CAPEX)
                plant.paid_usd_bn += due
            if model.month >= plant.online_month and plant.paid_usd_bn >= plant.capex_usd_bn - 1e-9:
                self.bring_online(plant)
                late = plant.online_month - plant.planned_month
                model.log_event("generation_online", [owner.name],
                                f"{plant.firm_gw:.3f} firm GW of {plant.technology} at {plant.site}"
                                + (f", {late} months late" if late > 0 else ""))

    def _fails_now(self, plant: Plant) -> bool:
        return plant.fails_month is not None and self.model.month >= plant.fails_month

    def _instalment_due_usd_bn(self, plant: Plant) -> float:
        return min(plant.instalment_usd_bn(self._spec(plant).lead_time_months), plant.capex_usd_bn - plant.paid_usd_bn)

    def bring_online(self, plant: Plant) -> None:
        """The plant runs: its firm GW join its site's supply, held for the lab it serves."""
        plant.status = PlantStatus.ONLINE
        self.building[(plant.owner, plant.site)].remove(plant)
        self.online.setdefault((plant.owner, plant.site), []).append(plant)
        self.model.utilities[plant.site].add_dedicated(plant.owner, plant.firm_gw)

    def _abandon(self, plant: Plant, why: str) -> None:
        """Stop a plant before it runs: what was paid is lost by whoever paid it (the owner, or the funds pro rata)."""
        model = self.model
        plant.status = PlantStatus.FAILED
        self.building[(plant.owner, plant.site)].remove(plant)
        self.lost_usd_bn += plant.paid_usd_bn
        if plant.funded_by:
            self.lost_by_funds_usd_bn += plant.paid_usd_bn
        payer = f"{len(plant.funded_by)} energy funds" if plant.funded_by else "its owner"
        model.log_event("generation_failed", [model.name_of(plant.owner)],
                        f"{plant.firm_gw:.3f} firm GW of {plant.technology} at {plant.site} {why}: "
                        f"{plant.paid_usd_bn:.2f} $bn lost by {payer}")

    def release_owner(self, owner: int) -> None:
        """A defaulting owner's plants: those building are abandoned (whoever paid loses it), those online pass to the
        grid (their supply stays, no longer dedicated; a fund's plant is the funds' loss, a lab's leaves with its estate)."""
        for plant in [p for p in self.by_owner.get(owner, ()) if p.status is PlantStatus.BUILDING]:
            self._abandon(plant, "abandoned when the lab it serves defaulted")
        for plant in [p for p in self.by_owner.get(owner, ()) if p.status is PlantStatus.ONLINE]:
            plant.status = PlantStatus.RELEASED
            self.online[(plant.owner, plant.site)].remove(plant)
            if plant.funded_by:
                self.lost_by_funds_usd_bn += plant.paid_usd_bn
                self.lost_usd_bn += plant.paid_usd_bn
        for utility in self.model.utilities.values():
            utility.dedicated_gw.pop(owner, None)
