"""Generation that labs finance for their own sites: the plants, the rule that commissions them, and their books.

A plant is dedicated to its owner's sites in one region (behind the meter, or a power purchase agreement for a plant
built for it): once online, its firm GW join the region's supply but only the owner's projects may be connected to them
until the owner uses them (:class:`agents.utility.Utility`); the owner pays the plant's operating cost on what it
draws from it instead of the grid's price, and carries the plant in its books (cost paid, depreciated straight-line
over ``energy.plant_life_months`` once online). The rule is :class:`market.params_energy.EnergySpec`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from agents.utility import usd_bn_per_gw_month
from market.ledger import OUTSIDE, PaymentKind
from market.rng import Stream

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.model import ComputeMarket
    from market.params_energy import GenerationTechSpec


class PlantStatus(StrEnum):
    """Where a dedicated plant stands."""

    BUILDING = "building"
    ONLINE = "online"
    FAILED = "failed"


@dataclass
class Plant:
    """One dedicated plant: its owner, site region, technology, firm GW, cost and schedule (months are indices)."""

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
        self.lost_usd_bn = 0.0

    # --- what the plants give -----------------------------------------------------------------
    def _spec(self, plant: Plant) -> GenerationTechSpec:
        return self.model.params.energy.technologies[plant.technology]

    def building_firm_gw(self, owner: int, site: str) -> float:
        """Firm GW of the owner's plants at ``site`` still building."""
        return sum(p.firm_gw for p in self.by_owner.get(owner, ()) if p.site == site and p.status is PlantStatus.BUILDING)

    def due_firm_gw_within(self, owner: int, site: str, months: int) -> float:
        """Firm GW of the owner's plants at ``site`` still building and planned online within ``months``."""
        by_month = self.model.month + months
        return sum(p.firm_gw for p in self.by_owner.get(owner, ())
                   if p.site == site and p.status is PlantStatus.BUILDING and p.planned_month <= by_month)

    def operating_cost_usd_mwh(self, owner: int, site: str) -> float:
        """Mean operating cost of the owner's online plants at ``site``, weighted by firm GW."""
        online = [p for p in self.by_owner.get(owner, ()) if p.site == site and p.status is PlantStatus.ONLINE]
        gw = sum(p.firm_gw for p in online)
        if gw <= 0:
            return 0.0
        return sum(p.firm_gw * self._spec(p).operating_cost_usd_mwh for p in online) / gw

    def book_value_usd_bn(self, owner: int) -> float:
        """The owner's plants at book: paid while building, paid less straight-line depreciation once online."""
        life = self.model.params.energy.plant_life_months
        value = 0.0
        for plant in self.by_owner.get(owner, ()):
            if plant.status is PlantStatus.FAILED:
                continue
            used = max(self.model.month - plant.online_month, 0) if plant.status is PlantStatus.ONLINE else 0
            value += plant.paid_usd_bn * max(1.0 - used / life, 0.0)
        return value

    def depreciation_month_usd_bn(self, owner: int) -> float:
        """The owner's monthly depreciation of its online plants."""
        life = self.model.params.energy.plant_life_months
        return sum(p.paid_usd_bn / life for p in self.by_owner.get(owner, ())
                   if p.status is PlantStatus.ONLINE and self.model.month - p.online_month < life)

    def due_within_usd_bn(self, owner: int, months: int) -> float:
        """Capex instalments the owner's building plants will call within ``months``."""
        due = 0.0
        for plant in self.by_owner.get(owner, ()):
            if plant.status is PlantStatus.BUILDING:
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
            total = sum(shares.values())
            if total > 0:
                orders.append((lab, site, {name: wanted * share / total for name, share in shares.items()}))
        for name, tech in spec.technologies.items():
            nameplate = sum(firm.get(name, 0.0) for _, _, firm in orders) / tech.capacity_factor
            if nameplate > tech.max_nameplate_gw_per_month:
                for _, _, firm in orders:
                    if name in firm:
                        firm[name] *= tech.max_nameplate_gw_per_month / nameplate
        for lab, site, firm in orders:
            self._commission_affordable(lab, site, firm)

    def _commission_affordable(self, lab: Lab, site: str, firm_gw: dict[str, float]) -> None:
        """Raise what the plants call within the funding horizon, then commission as much of them as the lab can pay."""
        model = self.model
        horizon = model.params.finance.funding_horizon_months
        need = 0.0
        for name, gw in firm_gw.items():
            tech = model.params.energy.technologies[name]
            capex = gw / tech.capacity_factor * tech.capex_usd_bn_per_gw
            need += capex * min(horizon, tech.lead_time_months) / max(tech.lead_time_months, 1)
        spare = lab.spare_cash_usd_bn()
        if spare < need:
            spare += lab.finance(need - spare)
        paid = min(1.0, max(spare, 0.0) / need) if need > 0 else 0.0
        for name, gw in sorted(firm_gw.items()):
            if gw * paid > 1e-9:
                self.commission(lab, site, name, gw * paid)

    def commission(self, lab: Lab, site: str, technology: str, firm_gw: float) -> Plant:
        """Start a plant of ``firm_gw`` firm GW for the lab's sites at ``site``; draw whether it fails or runs late."""
        model = self.model
        tech = model.params.energy.technologies[technology]
        rng = model.streams.get(Stream.GENERATION_RISK)
        lead = tech.lead_time_months
        fails_month = model.month + 1 + int(rng.integers(lead)) if rng.random() < tech.failure_probability else None
        late = tech.delay_months if rng.random() < tech.delay_probability else 0
        plant = Plant(model.next_id("plant"), lab.account, site, technology, firm_gw,
                      firm_gw / tech.capacity_factor * tech.capex_usd_bn_per_gw, model.month,
                      model.month + lead, model.month + lead + late, fails_month)
        self.plants[plant.id] = plant
        self.by_owner.setdefault(lab.account, []).append(plant)
        model.log_event("generation_commissioned", [lab.name],
                        f"{firm_gw:.3f} firm GW of {technology} at {site} for {plant.capex_usd_bn:.2f} $bn, due in {lead} months")
        return plant

    # --- each month -----------------------------------------------------------------------------
    def progress(self) -> None:
        """Call the month's instalments, abandon plants that fail, bring finished ones online (before connections)."""
        model = self.model
        for plant in self.plants.values():
            if plant.status is not PlantStatus.BUILDING:
                continue
            owner = model.agent_by_account(plant.owner)
            if plant.fails_month is not None and model.month >= plant.fails_month:
                plant.status = PlantStatus.FAILED
                self.lost_usd_bn += plant.paid_usd_bn
                model.log_event("generation_failed", [owner.name],
                                f"{plant.firm_gw:.3f} firm GW of {plant.technology} at {plant.site} abandoned: "
                                f"{plant.paid_usd_bn:.2f} $bn lost")
                continue
            due = min(plant.instalment_usd_bn(self._spec(plant).lead_time_months), plant.capex_usd_bn - plant.paid_usd_bn)
            if due > 1e-12:
                model.dues.add(plant.owner, OUTSIDE, due, PaymentKind.GENERATION_CAPEX)
                plant.paid_usd_bn += due
            if model.month >= plant.online_month:
                plant.status = PlantStatus.ONLINE
                model.utilities[plant.site].add_dedicated(plant.owner, plant.firm_gw)
                late = plant.online_month - plant.planned_month
                model.log_event("generation_online", [owner.name],
                                f"{plant.firm_gw:.3f} firm GW of {plant.technology} at {plant.site}"
                                + (f", {late} months late" if late > 0 else ""))

    def release_owner(self, owner: int) -> None:
        """A defaulting owner's plants: those building are abandoned (what was paid is lost), those online pass to the
        grid (their supply stays, no longer dedicated)."""
        model = self.model
        for plant in self.by_owner.get(owner, ()):
            if plant.status is PlantStatus.BUILDING:
                plant.status = PlantStatus.FAILED
                self.lost_usd_bn += plant.paid_usd_bn
        for utility in model.utilities.values():
            utility.dedicated_gw.pop(owner, None)
