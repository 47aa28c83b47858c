"""ComputeMarket: the Mesa model running the monthly schedule of docs/ODD.md section 3."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import mesa
import numpy as np

from agents.base import EconomicAgent
from agents.chipmaker import Chipmaker
from agents.government import Government
from agents.investor import InvestorPopulation
from agents.lab import Lab, LabProfile
from agents.utility import Utility, usd_bn_per_gw_month
from market import monthly, setup
from market.enums import REGIONS, Constraint, LabRole
from market.finance.capital import CapitalMarket
from market.finance.equity_market import EquityMarket
from market.finance.impairment import ImpairmentTest
from market.finance.insolvency import Insolvency
from market.finance.ledger import OUTSIDE, Ledger, PaymentKind
from market.finance.minsky import MinskyClass, classify_all
from market.finance.settlement import Dues
from market.finance.vendor import VendorFinancing
from market.gc_policy import fewer_cycle_collections
from market.network import EdgeType, RelationsNetwork
from market.outputs.indicators import Indicators
from market.outputs.metrics import build_datacollector
from market.outputs.recording import AgentRecorder
from market.parameters.params import Params
from market.parameters.scenario import EventKind, Scenario, ScheduledEvent
from market.parameters.schema import set_path
from market.parameters.validation import parse_rate_path
from market.physical.chips import ChipMarket
from market.physical.compute import ChipCatalogue, CohortTable, format_month, month_index
from market.physical.energy import EnergyBook
from market.physical.fabs import FabBook
from market.physical.leases import LeaseBook
from market.physical.placement import Placement
from market.physical.procurement import Procurement
from market.physical.projects import Project, RegionConstruction
from market.physical.services import clear_services_market
from market.policy.export_controls import ExportControls
from market.rng import RandomStreams

PLANNING_GROUPS = ((LabRole.FRONTIER, LabRole.FOLLOWER), (LabRole.CLOUD,))


class ComputeMarket(mesa.Model):
    """An agent-based, stock-flow-consistent model of the market for AI compute.

    One step is one month. Each step runs, in order: scheduled events; the AI services market; the
    capital market (beliefs, fundamental and market values, investor inflows); labs' plans (leases,
    projects, financing); the chip market; the power market; projects coming online and chips
    retiring; settlement of payments; insolvency and contagion; data collection. Policy rules
    (export controls, investment screening) are not modelled yet.

    Args:
        scenario: The resolved scenario (defaults to the schema's defaults, named ``defaults``).
        rng: The run's one seed; every draw comes from named streams derived from it.
    """

    def __init__(self, scenario: Scenario | None = None, *, rng: int = 1) -> None:
        super().__init__(rng=rng)
        self.scenario_def = scenario or Scenario(name="defaults", description="schema defaults", params=Params())
        self.params: Params = copy.deepcopy(self.scenario_def.params)
        self.scheduled: list[ScheduledEvent] = list(self.scenario_def.events)
        self.streams = RandomStreams(rng)
        self.start_month = month_index(self.params.run.start_date)
        self.month = self.start_month - 1
        self.ledger = Ledger()
        self.network = RelationsNetwork()
        self.cohorts = CohortTable()
        self.catalogue = ChipCatalogue(self.params.generations, self.params.technology,
                                       self.start_month + self.params.run.steps)
        self.dues = Dues()
        self.event_log: list[dict[str, Any]] = []
        self._counters: dict[str, int] = {}
        self.governments: dict[str, Government] = {}
        self.utilities: dict[str, Utility] = {}
        self.chipmakers: dict[str, Chipmaker] = {}
        self.labs: dict[str, Lab] = {}
        self._labs_by_role: dict[LabRole, list[Lab]] = {}
        self._labs_by_role_count = -1
        self.investors: InvestorPopulation
        self.projects: dict[int, Project] = {}
        self.construction: dict[str, RegionConstruction] = {}
        self.reference_service_price: float | None = None
        self.reference_capability = 1.0
        self.month_stats: dict[str, float] = {}
        self.capex_by_account_usd_bn = np.zeros(0)
        self.ai_revenue_history: list[float] = []
        self.minsky: dict[int, MinskyClass] = {}
        self.fabs = FabBook(self)
        setup.create_agents(self)
        self.ledger.open_share_register()
        self._by_account = {agent.account: agent for agent in self.all_economic_agents()}
        self._names = {account: agent.name for account, agent in self._by_account.items()}
        self.capital = CapitalMarket(self)
        self.equity = EquityMarket(self)
        self.vendor = VendorFinancing(self)
        self.insolvency = Insolvency(self)
        self.impairment = ImpairmentTest(self)
        self.chip_market = ChipMarket(self)
        self.export_controls = ExportControls(self)
        self.procurement = Procurement(self)
        self.placement = Placement(self)
        self.indicators = Indicators(self)
        self.leases = LeaseBook(self)
        self.energy = EnergyBook(self)
        setup.create_construction(self)
        setup.endow(self)
        setup.install_initial_compute(self)
        setup.sign_initial_leases(self)
        self.ledger.close_step()
        self.datacollector = build_datacollector(self)
        self.agent_recorder = AgentRecorder()
        self.running = True

    # --- bookkeeping helpers ------------------------------------------------------------------
    @property
    def date(self) -> str:
        """The current month as 'YYYY-MM'."""
        return format_month(self.month)

    def next_id(self, kind: str) -> int:
        """Return the next id of a kind of record (orders, projects, leases)."""
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def name_of(self, account: int) -> str:
        """Name of the agent holding ``account`` (``outside`` for 0)."""
        return self._names.get(account, "outside")

    def log_event(self, kind: str, actors: list[str], detail: str) -> None:
        """Append an entry to the event log."""
        self.event_log.append({"step": self.steps, "date": self.date, "kind": kind,
                               "actors": ",".join(actors), "detail": detail})

    def all_economic_agents(self) -> Iterator[EconomicAgent]:
        """Every agent, in creation order."""
        return iter(self.agents)

    def labs_by_role(self, role: LabRole) -> list[Lab]:
        """Labs of one role, in creation order (a fresh list; the lists are rebuilt when a lab is added)."""
        if self._labs_by_role_count != len(self.labs):
            self._labs_by_role = {r: [lab for lab in self.labs.values() if lab.lab_role is r] for r in LabRole}
            self._labs_by_role_count = len(self.labs)
        return list(self._labs_by_role[role])

    def partners_of(self, maker_account: int) -> frozenset[int]:
        """Accounts of labs partnering with a chipmaker."""
        return self.network.sources_of(maker_account, EdgeType.PARTNERS)

    # --- compute state ------------------------------------------------------------------------
    def refresh_compute(self) -> None:
        """Recompute owned, used and leased GW and EFLOP/s by account, and labs' book assets."""
        n = self.ledger.n_accounts
        cohorts = self.cohorts
        self.owned_online_gw = cohorts.online_gw_by_owner(n)
        self.owned_online_eflops = cohorts.online_eflops_by_owner(n)
        rows = slice(0, cohorts.n)
        life = np.maximum(cohorts.retire_month[rows] - cohorts.delivered_month[rows], 1)
        self.owned_depreciation_month = cohorts.sum_by_owner(cohorts.online_gw[rows] * cohorts.cost_per_gw[rows] / life, n)
        self.refresh_leased_compute()
        nbv = cohorts.net_book_value_by_owner(self.month, n)
        online_nbv = cohorts.net_book_value_by_owner(self.month, n, online_only=True)
        projects = self.projects
        for lab in self.labs.values():
            carried = lab.carried_project_ids
            wip = sum([w for i in lab.project_ids if i not in carried and (w := projects[i].building_in_progress_usd_bn()) > 0.0])
            lab.fixed_assets_usd_bn = float(nbv[lab.account]) + wip
            lab.online_chips_at_book_usd_bn = float(online_nbv[lab.account])
            lab.depreciation_month_usd_bn = float(self.owned_depreciation_month[lab.account])
            if self.energy.plants:
                lab.fixed_assets_usd_bn += self.energy.book_value_usd_bn(lab.account)
                lab.depreciation_month_usd_bn += self.energy.depreciation_month_usd_bn(lab.account)

    def refresh_leased_compute(self) -> None:
        """The part of :meth:`refresh_compute` the lease book moves: leases fitted to their lessors' online GW, and used
        GW and EFLOP/s (owned, less leased out, plus leased in). Owned compute, book values and depreciation stay as the
        last full refresh left them: call it only when nothing but the lease book has changed since (leases expired, and
        contracted leases signed, at the start of the month; ``tests/test_compute.py`` checks it against a full refresh)."""
        self.leases.fit_to_capacity()
        self.used_gw = self.owned_online_gw.copy()
        self.used_eflops = self.owned_online_eflops.copy()
        self._move_leased_compute()

    def _move_leased_compute(self) -> None:
        """Move each lease's GW and EFLOP/s from lessor to lessee in ``used_gw`` and ``used_eflops``.

        EFLOP/s move at the lessor's average per GW (:meth:`average_eflops_per_gw`, for all leases at once). Leases are
        added in the book's order (``np.add.at`` adds in index order), so the sums are those of a loop over the leases.
        """
        leases = self.leases.leases
        if not leases:
            return
        count = len(leases)
        lessor, lessee, gw = self.leases.parties_and_gw()
        owned = self.owned_online_gw[lessor]
        per_gw = np.full(count, self.catalogue.newest_at(self.month).eflops_per_gw)
        np.divide(self.owned_online_eflops[lessor], owned, out=per_gw, where=owned > 1e-12)
        parties = np.empty(2 * count, dtype=np.int64)
        parties[0::2], parties[1::2] = lessor, lessee
        moved_gw = np.empty(2 * count)
        moved_gw[0::2], moved_gw[1::2] = -gw, gw
        eflops = gw * per_gw
        moved_eflops = np.empty(2 * count)
        moved_eflops[0::2], moved_eflops[1::2] = -eflops, eflops
        np.add.at(self.used_gw, parties, moved_gw)
        np.add.at(self.used_eflops, parties, moved_eflops)

    def average_eflops_per_gw(self, account: int) -> float:
        """Average EFLOP/s per online GW the account owns (the newest generation's if it owns none)."""
        gw = self.owned_online_gw[account]
        if gw > 1e-12:
            return float(self.owned_online_eflops[account] / gw)
        return self.catalogue.newest_at(self.month).eflops_per_gw

    def owned_cost_per_gw_month(self, lab: Lab) -> float:
        """Full monthly cost of a GW the lab owns: depreciation, power at home prices, maintenance."""
        gw = self.owned_online_gw[lab.account]
        depreciation = self.owned_depreciation_month[lab.account] / gw if gw > 1e-12 else (
            self.procurement.best_offer(lab)[1] / self.params.technology.useful_life_months)
        power = usd_bn_per_gw_month(self.utilities[lab.region].price_usd_mwh)
        return depreciation + power + self.params.lab_behaviour.maintenance_usd_bn_per_gw_month

    def compute_cost_per_eflops_month(self, lab: Lab) -> float:
        """The lab's cost of a month of one EFLOP/s of the compute it runs; updates its monthly cash running cost."""
        own_used = self.owned_online_gw[lab.account] - self.leases.leased_out_gw(lab.account)
        lease_cost = sum(lease.monthly_payment_usd_bn() for lease in self.leases.leases.of_lessee(lab.account))
        own_cost = self.owned_cost_per_gw_month(lab)
        cash_cost_per_gw = (usd_bn_per_gw_month(self.utilities[lab.region].price_usd_mwh)
                            + self.params.lab_behaviour.maintenance_usd_bn_per_gw_month)
        lab.cash_running_cost_month_usd_bn = cash_cost_per_gw * self.owned_online_gw[lab.account] + lease_cost
        eflops = self.used_eflops[lab.account]
        if eflops <= 1e-12:
            return 0.0
        return (own_cost * max(own_used, 0.0) + lease_cost) / eflops

    def eflops_kept_until(self, account: int, until_month: int) -> float:
        """EFLOP/s of the account's delivered chips that will still run after ``until_month``."""
        c = self.cohorts
        rows = c.rows_of_owner(account)
        rows = rows[c.retire_month[rows] > until_month]
        return float((c.gw[rows] * c.eflops_per_gw[rows]).sum())

    def pipeline_gw(self, account: int) -> float:
        """GW the account has ordered for its projects and not yet received."""
        lab = self.agent_by_account(account)
        return sum(self.projects[i].gw - self.projects[i].delivered_gw for i in getattr(lab, "project_ids", []))

    def agent_by_account(self, account: int) -> EconomicAgent:
        """The agent holding ``account``."""
        return self._by_account[account]

    def fire_events(self) -> None:
        """Apply the scenario events dated this month (docs/ODD.md section 3, step 1)."""
        for event in [e for e in self.scheduled if e.date == self.date]:
            if event.kind is EventKind.WAKE_CHIPMAKER:
                self.chipmakers[event.target].wake()
                self.log_event("wake_chipmaker", [event.target], "starts selling")
            elif event.kind is EventKind.SET_PARAM:
                set_path(self.params, event.target, event.value)
                self._refresh_lab_profile(event.target)
                if event.target == "finance.risk_free_path":
                    self.equity.rates = parse_rate_path(self.params.finance.risk_free_path)
                self.log_event("set_param", [], f"{event.target} = {event.value!r}")
            elif event.kind is EventKind.INVEST:
                self._fire_investment(event)

    def _refresh_lab_profile(self, target: str) -> None:
        """After a ``set_param`` on ``labs.<name>.<field>``, give the named lab the profile its parameters now say."""
        parts = target.split(".")
        if len(parts) == 3 and parts[0] == "labs" and parts[1] in self.labs and parts[2] in LabProfile.__dataclass_fields__:
            self.labs[parts[1]].profile = LabProfile.from_spec(self.params.labs[parts[1]])

    def _fire_investment(self, event: ScheduledEvent) -> None:
        firms = {**self.labs, **self.chipmakers}
        target = firms[event.target]
        if not target.alive:
            return
        amount = float(event.value)
        if event.investor:
            investor = firms[event.investor]
            paid = self.capital.invest_strategic(investor, target, min(amount, max(investor.cash_usd_bn, 0.0)))
            self.network.add_or_update(investor.account, target.account, EdgeType.PARTNERS, self.date, origin="deal")
            self.log_event("investment", [investor.name, target.name], f"{paid:.2f} $bn for new shares (deal)")
        else:
            category = "Chipmaker" if target.agent_type.value == "Chipmaker" else target.role
            paid = self.capital.raise_equity(target, amount, category)
            self.log_event("investment", [target.name], f"{paid:.2f} $bn equity round of {amount:.2f} $bn planned")

    # --- the monthly schedule -----------------------------------------------------------------
    def step(self) -> None:
        """Advance one month (docs/ODD.md section 3)."""
        self.month = self.start_month + self.steps - 1
        self._start_month()
        self.fire_events()
        for government in self.governments.values():
            government.apply_rules()
        self.refresh_compute()
        alive_labs = [lab for lab in self.labs.values() if lab.alive]
        for lab in alive_labs:
            lab.update_split_and_capability()
        self.month_stats.update(clear_services_market(self, alive_labs))
        if self.steps == 1:
            self.impairment.open_books()
            self.refresh_compute()
        self.ai_revenue_history.append(self.month_stats["ai_revenue_usd_bn"])
        for lab in alive_labs:
            self.ledger.pay(OUTSIDE, lab.account, lab.profile.core_income_usd_bn_per_month, PaymentKind.CORE_BUSINESS_INCOME)
        self.equity.update_beliefs()
        self.equity.update()
        self.investors.receive_inflows(self, self.params.investors.inflow_rate_per_month * self.equity.inflow_multiplier())
        self.leases.expire(self.month)
        self.leases.contracts.deliver()
        self.refresh_leased_compute()
        self.plan_labs()
        self.procurement.start_requested()
        self.energy.invest(self.placement.power_cuts)
        self.chip_market.clear()
        self.vendor.pay_tranches()
        monthly.clear_power(self)
        monthly.progress_projects(self)
        self.refresh_compute()
        monthly.settle(self)
        self.month_stats["circularity"] = self.vendor.account_spend()
        self.insolvency.step()
        self.impairment.run()
        self.capital.stake_book.run()
        self.refresh_compute()
        if self.equity.record_month():
            self.capital.grade_first_debt()
        monthly.pay_out(self)
        self.month_stats["capex_usd_bn"] = monthly.capex_this_month(self)
        self.capex_by_account_usd_bn = monthly.capex_by_account(self)
        self.minsky = classify_all(self)
        self.indicators.update()
        self.datacollector.collect(self)
        self.agent_recorder.collect(self)
        self.ledger.close_step()
        if self.steps >= self.params.run.steps:
            self.running = False

    def run_model(self) -> None:
        """Step to the end of the run, with the cycle collector relaxed (:mod:`market.gc_policy`)."""
        with fewer_cycle_collections():
            super().run_model()

    def plan_labs(self) -> None:
        """Step 4: labs draft plans (frontier, followers, then clouds, which plan for what others asked to lease),
        the plans are placed together (cut to chips, power and construction room), then each lab finances its own.
        Offers and lease prices are held while they plan (:meth:`market.physical.procurement.Procurement.hold_offers`)."""
        self.procurement.hold_offers(True)
        self.leases.hold_prices(True)
        try:
            self._plan_held()
        finally:
            self.procurement.hold_offers(False)
            self.leases.hold_prices(False)

    def _plan_held(self) -> None:
        drafts = []
        taken: dict[int, float] = {}
        for roles in PLANNING_GROUPS:
            group = []
            for role in roles:
                for lab in self.labs_by_role(role):
                    if lab.alive:
                        lab.update_expectations()
                        group.append((lab, lab.draft_plan()))
            grants = self.leases.allocate([(lab, draft.lease_gw) for lab, draft in group], taken)
            for by_cloud in grants.values():
                for cloud, gw in by_cloud.items():
                    taken[cloud] = taken.get(cloud, 0.0) + gw
            drafts += [(lab, lab.settle_lease_grants(draft, grants[lab.account])) for lab, draft in group]
        placed = self.placement.place([(lab, draft.build_gw) for lab, draft in drafts])
        for region in REGIONS:
            self.indicators.cut(Constraint.DEMAND, region, self.placement.unused_room_gw(region))
        for lab, draft in drafts:
            lab.carry_out(draft, placed[lab.account])

    def _start_month(self) -> None:
        self.capital.start_month()
        self.chip_market.ordered_month_gw = 0.0
        self.procurement.start_month()
        self.placement.start_month()
        self.indicators.start_month()
        self.month_capex = {"construction": 0.0}
        self.capex_month_by_account: dict[int, float] = {}
        for maker in self.chipmakers.values():
            maker.ordered_month_gw = 0.0
            maker.delivered_month_gw = maker.producing_capacity_gw = 0.0
            maker.production_cost_month_usd_bn = 0.0
        for lab in self.labs.values():
            lab.lease_requests_unfilled_gw = 0.0
