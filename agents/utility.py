"""Utilities: one per region, connecting data centres to power, building generation, pricing scarcity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.base import EconomicAgent
from market.enums import AgentType
from market.finance.ledger import OUTSIDE, PaymentKind
from market.network import EdgeType
from market.parameters.utilities import UtilitySpec

if TYPE_CHECKING:
    from market.model import ComputeMarket

HOURS_PER_MONTH = 730.0
FIXED_ASSET_LIFE_MONTHS = 300


def usd_bn_per_gw_month(price_usd_mwh: float) -> float:
    """Convert a $/MWh price into usd_bn per GW-month of constant load."""
    return price_usd_mwh * HOURS_PER_MONTH * 1e3 / 1e9


class Utility(EconomicAgent):
    """The supplier of power to data centres in one region.

    Equations (symbols map to ``utilities.<REGION>.*``):
        available_{t+1} = available_t + G * max(g, 0) / 12 * d * clip((p - c) / (p_0 - c), 0, 2) + completed builds
            (G ``average_generation_gw``, g ``generation_growth_per_year``, d ``dc_share_of_new_generation``:
            generators offer data centres their share of new generation at the base price, less as the price
            falls toward the operating cost, up to twice as much when power is scarce)
        scarcity u = (committed + queued) / (available + under construction)
        target price p* = min(c + (p_0 - c) (u / u_ref)^beta, k p_0), u_ref = 1 / (1 + r);
            p_{t+1} = p_t + lambda (p* - p_t)
            (c ``operating_cost_usd_mwh``, p_0 ``base_price_usd_mwh``, beta ``supply_curve_exponent``,
            k ``price_cap_multiple``, r ``reserve_margin``, lambda ``price_adjust_per_month``)
        build start B_t = min(max(0, (1 + r)(committed + queued + T) - available - under construction) * pi,
            ``build_rate_limit_gw_per_month`` * s), online after ``lead_time_months`` / s, where T is the load
            labs' plans were cut by for lack of power (each month's cut added, the stock falling by 1/M a month,
            M ``lab_behaviour.gap_closing_months``: the unmet wish the cut stands for), and
            pi = clip((p - c) / (LCOE - c), 0, 1) is how much of the cost of new supply the price covers,
            LCOE = c + capex x ``capital_recovery_per_year`` / 8,760 h (s the government's ``permitting_speed``);
        committed, queued and available count the grid alone: labs' own dedicated plants (:mod:`market.physical.energy`) and
        the load they serve are left out, and so is queued load they will serve (now, for the price; within a lead
        time, for builds)

    Args:
        model: The model.
        region: Region served.
        spec: Its parameters.
    """

    agent_type = AgentType.UTILITY

    def __init__(self, model: ComputeMarket, region: str, spec: UtilitySpec) -> None:
        super().__init__(model, f"utility_{region.lower()}", region, "utility")
        self.spec = spec
        self.available_gw = spec.initial_available_gw
        self.committed_gw = 0.0
        self.queue: list[tuple[int, float]] = []
        self.pipeline: list[tuple[int, float]] = []
        self.price_usd_mwh = spec.base_price_usd_mwh
        self.turned_away_gw = 0.0
        self.dedicated_gw: dict[int, float] = {}

    def queued_gw(self) -> float:
        """GW of connection requests waiting."""
        return sum(gw for _, gw in self.queue)

    def under_construction_gw(self) -> float:
        """GW of generation being built."""
        return sum(gw for _, gw in self.pipeline)

    def headroom_gw(self) -> float:
        """Available GW not yet committed, less what dedicated plants hold for their owners' projects."""
        if not self.dedicated_gw:
            return max(self.available_gw - self.committed_gw, 0.0)
        held = sum(self.unused_dedicated_gw(owner) for owner in self.dedicated_gw)
        return max(self.available_gw - self.committed_gw - held, 0.0)

    # --- dedicated supply (plants labs financed for their own sites, market/physical/energy.py) -------------
    def add_dedicated(self, owner: int, gw: float) -> None:
        """A plant dedicated to ``owner``'s projects here comes online: its firm GW join the supply, held for the owner."""
        self.available_gw += gw
        self.dedicated_gw[owner] = self.dedicated_gw.get(owner, 0.0) + gw

    def owner_connected_gw(self, owner: int) -> float:
        """GW connected to the owner's running projects here."""
        model = self.model
        lab = model.agent_by_account(owner)
        projects = (model.projects[i] for i in getattr(lab, "project_ids", ()))
        return sum(project.connected_gw for project in projects if project.site == self.region)

    def dedicated_served_gw(self, owner: int) -> float:
        """GW of the owner's connected load here its dedicated plants supply."""
        return min(self.owner_connected_gw(owner), self.dedicated_gw.get(owner, 0.0))

    def owner_queued_gw(self, owner: int) -> float:
        """GW of the owner's connection requests waiting here."""
        projects = self.model.projects
        return sum(gw for project_id, gw in self.queue if projects[project_id].owner == owner)

    def own_room_gw(self, owner: int, months: int) -> float:
        """GW the owner's dedicated supply (online, and plants due within ``months``) could still take: that supply less
        the owner's load here, connected or waiting (its load draws on its own supply first)."""
        supply = self.dedicated_gw.get(owner, 0.0) + self.model.energy.due_firm_gw_within(owner, self.region, months)
        return max(supply - self.owner_connected_gw(owner) - self.owner_queued_gw(owner), 0.0)

    def grid_balance_gw(self, months: int) -> tuple[float, float]:
        """(load, supply) of the grid alone: connected load less what dedicated plants supply, plus the queue less what
        owners' own supply within ``months`` will take; available GW less dedicated plants."""
        if not self.model.energy.plants:
            return self.committed_gw + self.queued_gw(), self.available_gw
        served = sum(self.dedicated_served_gw(owner) for owner in self.dedicated_gw)
        return (self.committed_gw - served + self.grid_queued_gw(months),
                self.available_gw - sum(self.dedicated_gw.values()))

    def grid_queued_gw(self, months: int) -> float:
        """Queued GW that will wait for the grid: the queue less what owners' own supply (within ``months``) will take."""
        queued = self.queued_gw()
        owners = set(self.dedicated_gw) | self.model.energy.owners_building_at(self.region)
        for owner in owners:
            supply = self.dedicated_gw.get(owner, 0.0) + self.model.energy.due_firm_gw_within(owner, self.region, months)
            free = max(supply - self.owner_connected_gw(owner), 0.0)
            queued -= min(self.owner_queued_gw(owner), free)
        return max(queued, 0.0)

    def unused_dedicated_gw(self, owner: int) -> float:
        """Dedicated GW the owner does not draw yet (held for its next connections)."""
        return max(self.dedicated_gw.get(owner, 0.0) - self.owner_connected_gw(owner), 0.0)

    def expected_wait_months(self) -> float:
        """Rough wait for a new connection: queue ahead over the recent rate at which capacity grows."""
        backlog = max(self.queued_gw() - self.headroom_gw(), 0.0)
        if backlog <= 0:
            return 0.0
        rate = max(self.spec.build_rate_limit_gw_per_month * self.permitting_speed(), 1e-3)
        return backlog / rate + self.lead_time_months()

    def grid_growth_gw_per_month(self) -> float:
        """New grid generation offered to data centres this month: G max(g, 0) / 12 x d x clip((p - c) / (p_0 - c), 0, 2).

        Data centres get their share d of the grid's growth at the base price; generators offer them less when
        the data-centre price falls toward the operating cost (other load pays as much) and up to twice as much
        when it is scarce.
        """
        spec = self.spec
        margin = spec.base_price_usd_mwh - spec.operating_cost_usd_mwh
        offered = 1.0 if margin <= 1e-12 else min(max((self.price_usd_mwh - spec.operating_cost_usd_mwh) / margin, 0.0), 2.0)
        growth = spec.average_generation_gw * max(spec.generation_growth_per_year, 0.0) / 12.0
        return growth * spec.dc_share_of_new_generation * offered

    def powerable_gw_within(self, months: int) -> float:
        """GW a new request could expect connected within ``months``: headroom, builds under way,
        grid growth and builds that could still start and finish in time, less the queue ahead."""
        spec = self.spec
        growth = self.grid_growth_gw_per_month()
        new_builds = spec.build_rate_limit_gw_per_month * self.permitting_speed() * max(months - self.lead_time_months(), 0)
        queued = self.grid_queued_gw(months) if self.model.energy.plants else self.queued_gw()
        return max(self.headroom_gw() + self.under_construction_gw() + growth * months + new_builds - queued, 0.0)

    def permitting_speed(self) -> float:
        """The regional government's permitting speed."""
        return self.model.governments[self.region].spec.permitting_speed

    def lead_time_months(self) -> int:
        """Lead time of new generation after permitting speed."""
        return max(1, round(self.spec.lead_time_months / self.permitting_speed()))

    def request(self, project_id: int, gw: float) -> None:
        """Queue a data-centre connection request."""
        self.queue.append((project_id, gw))

    def withdraw(self, project_id: int, gw: float) -> float:
        """Withdraw up to ``gw`` of a project's queued request; return the GW withdrawn."""
        withdrawn = 0.0
        queue: list[tuple[int, float]] = []
        for queued_id, queued_gw in self.queue:
            if queued_id == project_id and withdrawn < gw:
                take = min(queued_gw, gw - withdrawn)
                withdrawn += take
                queued_gw -= take
            if queued_gw > 1e-12:
                queue.append((queued_id, queued_gw))
        self.queue = queue
        return withdrawn

    def turn_away(self, gw: float) -> None:
        """Record ``gw`` of labs' plans it could not power within their horizon (cut for power): load it plans for."""
        self.turned_away_gw += gw

    def release(self, gw: float) -> None:
        """Free committed GW (retired chips)."""
        self.committed_gw = max(self.committed_gw - gw, 0.0)

    def commit_initial(self, gw: float) -> None:
        """Record load already connected at the start."""
        self.committed_gw += gw

    def install_initial_builds(self, month: int, due_gw: list[tuple[int, float]]) -> float:
        """Generation under construction at the start for the load already queued; return GW installed.

        The projects under way at the start asked for power while their buildings went up, and the utility followed its
        build rule meanwhile, so its supply keeps (1 + r) times the load connected or due: for requests falling due in
        month m_k (GW l_k, sorted by m_k), a build of max((1 + r)(committed + sum_{j <= k} l_j) - available - builds
        before, 0) is due in m_k, no earlier than next month. The total is capped at what the utility could have started
        over one lead time (``build_rate_limit_gw_per_month`` x permitting speed x lead time). Its capex is paid now
        from cash, with debt for any shortfall, and the builds are cut to what it can pay (no subsidy: they were started
        before the run). Without them the pipeline's requests read as load nobody planned for and the price opens at
        its cap.
        """
        spec = self.spec
        room = spec.build_rate_limit_gw_per_month * self.permitting_speed() * self.lead_time_months()
        load = self.committed_gw
        supply = self.available_gw
        builds: list[tuple[int, float]] = []
        for due, gw in sorted(due_gw):
            load += gw
            start = min(max((1.0 + spec.reserve_margin) * load - supply, 0.0), room)
            if start > 1e-9:
                builds.append((max(due, month + 1), start))
                supply += start
                room -= start
        total = sum(gw for _, gw in builds)
        if total <= 1e-9:
            return 0.0
        capex = total * spec.generation_capex_usd_bn_per_gw
        if self.cash_usd_bn < capex:
            self.model.capital.raise_debt(self, capex - self.cash_usd_bn)
        affordable = min(1.0, max(self.cash_usd_bn, 0.0) / capex)
        if affordable * total <= 1e-9:
            return 0.0
        self.model.ledger.pay(self.account, OUTSIDE, capex * affordable, PaymentKind.GENERATION_CAPEX)
        self.fixed_assets_usd_bn += capex * affordable
        self.pipeline += [(due, gw * affordable) for due, gw in builds]
        return total * affordable

    def grow_and_complete(self, month: int) -> None:
        """Add the region's exogenous grid growth and finished builds to available capacity."""
        self.available_gw += self.grid_growth_gw_per_month()
        done = [gw for due, gw in self.pipeline if due <= month]
        self.pipeline = [(due, gw) for due, gw in self.pipeline if due > month]
        self.available_gw += sum(done)

    def connect(self) -> list[tuple[int, float]]:
        """Connect queued requests first come first served within headroom (a project's owner may also draw on its
        dedicated GW); return (project, GW) connected."""
        connected: list[tuple[int, float]] = []
        remaining: list[tuple[int, float]] = []
        drawn = {owner: self.owner_connected_gw(owner) for owner in self.dedicated_gw}
        for project_id, gw in self.queue:
            if drawn:
                owner = self.model.projects[project_id].owner
                held = {o: max(self.dedicated_gw[o] - drawn[o], 0.0) for o in drawn}
                room = max(self.available_gw - self.committed_gw - sum(held.values()), 0.0) + held.get(owner, 0.0)
                if owner in drawn:
                    drawn[owner] += min(gw, room)
            else:
                room = self.headroom_gw()
            take = min(gw, room)
            if take > 1e-12:
                self.committed_gw += take
                connected.append((project_id, take))
            if gw - take > 1e-12:
                remaining.append((project_id, gw - take))
        self.queue = remaining
        return connected

    def plan_builds(self, month: int) -> float:
        """Start new generation to cover committed, queued and turned-away load plus a reserve, as far as the price pays
        for it; return GW started."""
        spec = self.spec
        load, available = self.grid_balance_gw(self.lead_time_months())
        need = (1.0 + spec.reserve_margin) * (load + self.turned_away_gw) - available - self.under_construction_gw()
        self.turned_away_gw *= 1.0 - 1.0 / self.model.params.lab_behaviour.gap_closing_months
        start = min(max(need, 0.0) * self.build_incentive(), spec.build_rate_limit_gw_per_month * self.permitting_speed())
        if start <= 1e-9:
            return 0.0
        capex = start * spec.generation_capex_usd_bn_per_gw
        government = self.model.governments[self.region]
        government.pay_subsidy(self.account, capex, government.spec.generation_subsidy_share)
        if self.cash_usd_bn < capex:
            self.model.capital.raise_debt(self, capex - self.cash_usd_bn)
        affordable = min(1.0, max(self.cash_usd_bn, 0.0) / capex)
        start *= affordable
        if start <= 1e-9:
            return 0.0
        self.model.ledger.pay(self.account, OUTSIDE, capex * affordable, PaymentKind.GENERATION_CAPEX)
        self.fixed_assets_usd_bn += capex * affordable
        self.pipeline.append((month + self.lead_time_months(), start))
        self.model.log_event("generation_build", [self.name],
                             f"{start:.3f} GW started, online in {self.lead_time_months()} months")
        return start

    def scarcity(self) -> float:
        """u = (committed + queued) / (available + under construction): load asked for over supply there or coming (the
        grid's alone: labs' dedicated plants and the load they serve or will serve now are left out)."""
        load, available = self.grid_balance_gw(0)
        supply = available + self.under_construction_gw()
        if supply <= 1e-12:
            return 1.0 / self.reference_utilisation() * 10.0 if load > 0 else 0.0
        return load / supply

    def reference_utilisation(self) -> float:
        """u_ref = 1 / (1 + reserve margin): the scarcity at which the price is the base price."""
        return 1.0 / (1.0 + self.spec.reserve_margin)

    def target_price_usd_mwh(self) -> float:
        """p* = min(c + (p_0 - c) (u / u_ref)^beta, k p_0) on the region's supply curve."""
        spec = self.spec
        floor = min(spec.operating_cost_usd_mwh, spec.base_price_usd_mwh)
        relative = self.scarcity() / self.reference_utilisation()
        curve = floor + (spec.base_price_usd_mwh - floor) * relative ** spec.supply_curve_exponent
        return min(curve, spec.price_cap_multiple * spec.base_price_usd_mwh)

    def new_supply_cost_usd_mwh(self) -> float:
        """LCOE of new generation: operating cost plus the capex it must earn back each year, per MWh of full load."""
        spec = self.spec
        capex_usd_per_kw = spec.generation_capex_usd_bn_per_gw * 1e9 / 1e6
        return spec.operating_cost_usd_mwh + capex_usd_per_kw * spec.capital_recovery_per_year * 1e3 / 8760.0

    def build_incentive(self) -> float:
        """pi = clip((p - c) / (LCOE - c), 0, 1): the share of the cost of new supply today's price covers."""
        spec = self.spec
        needed = self.new_supply_cost_usd_mwh() - spec.operating_cost_usd_mwh
        if needed <= 1e-12:
            return 1.0
        return float(min(max((self.price_usd_mwh - spec.operating_cost_usd_mwh) / needed, 0.0), 1.0))

    def update_price(self) -> None:
        """Move the price a share of the way to the supply curve's price at this month's scarcity."""
        self.price_usd_mwh += self.spec.price_adjust_per_month * (self.target_price_usd_mwh() - self.price_usd_mwh)

    def bill(self, lab_account: int, gw: float) -> None:
        """Charge a lab for connected GW this month (take-or-pay); the utility pays its operating cost. What the lab's
        dedicated plants supply is billed by them instead (:meth:`market.physical.energy.EnergyBook.bill`)."""
        if gw <= 0:
            return
        own = min(gw, self.dedicated_gw.get(lab_account, 0.0))
        if own > 0:
            self.model.energy.bill(lab_account, self.region, own)
            gw -= own
            if gw <= 1e-12:
                return
        self.model.dues.add(lab_account, self.account, gw * usd_bn_per_gw_month(self.price_usd_mwh), PaymentKind.POWER)
        self.model.network.add_or_update(self.account, lab_account, EdgeType.POWERS, self.model.date,
                                         contracted_gw=gw, price_usd_mwh=self.price_usd_mwh)

    def pay_costs_and_dividends(self, power_revenue_usd_bn: float) -> None:
        """Pay operating cost of the load served, depreciate, and pay out part of the profit."""
        served = sum(self.dedicated_served_gw(owner) for owner in self.dedicated_gw)
        cost = (self.committed_gw - served) * usd_bn_per_gw_month(self.spec.operating_cost_usd_mwh)
        self.model.ledger.pay(self.account, OUTSIDE, cost, PaymentKind.GENERATION_OPEX)
        self.depreciation_month_usd_bn = self.fixed_assets_usd_bn / FIXED_ASSET_LIFE_MONTHS
        self.fixed_assets_usd_bn -= self.depreciation_month_usd_bn
        self.model.capital.service_debt(self)
        profit = power_revenue_usd_bn - cost
        if profit > 0:
            self.model.capital.pay_dividend(self, profit * self.spec.payout_share_of_profit)
