"""Initialisation: the full roster of agents and their starting balance sheets, compute and leases.

Order of creation is fixed (governments, utilities, chipmakers, named labs, followers, investors) and
every random draw comes from the ``initial_conditions`` stream, so ids and streams never shift when
later issues add behaviour.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from agents.chipmaker import Chipmaker
from agents.government import Government
from agents.investor import Investor, InvestorPopulation
from agents.lab import Lab, LabProfile
from agents.utility import Utility
from market.enums import REGIONS, InvestorKind, LabRole
from market.finance.ledger import OUTSIDE, PaymentKind
from market.network import EdgeType
from market.parameters.schema import ParamError
from market.parameters.validation import parse_shares
from market.physical.projects import Project, RegionConstruction
from market.rng import Stream

if TYPE_CHECKING:
    from market.model import ComputeMarket

INITIAL_VINTAGE_MONTHS = 36
INITIAL_GROWTH_PER_YEAR = 1.0
PIPELINE_TRANCHES = 6


def create_agents(model: ComputeMarket) -> None:
    """Create every agent of the roster, in a fixed order."""
    params = model.params
    rng = model.streams.get(Stream.INITIAL_CONDITIONS)
    for region in REGIONS:
        model.governments[region] = Government(model, region, params.governments[region])
        model.network.add_node(model.governments[region].account, name=model.governments[region].name,
                               agent_type="Government", region=region)
    for region in REGIONS:
        model.utilities[region] = Utility(model, region, params.utilities[region])
    for name, spec in params.chipmakers.items():
        model.chipmakers[name] = Chipmaker(model, name, spec)
    for name, spec in params.labs.items():
        model.labs[name] = Lab(model, name, LabRole(spec.role), spec.region, LabProfile.from_spec(spec),
                               spec.initial_training_eflops_months)
    followers = params.followers
    n_followers = round(followers.count * params.run.scale)
    segments = max(1, math.floor(params.run.scale))
    regions = parse_shares("followers.region_shares", followers.region_shares, REGIONS)
    follower_regions = rng.choice(list(regions), size=n_followers, p=list(regions.values()))
    for i, region in enumerate(follower_regions):
        profile = LabProfile(0.0, 0.0, False, [str(region)], 0.0, True)
        training = float(rng.lognormal(np.log(5.0), 1.0))
        model.labs[f"follower_{i:03d}"] = Lab(model, f"follower_{i:03d}", LabRole.FOLLOWER, str(region), profile, training,
                                              size_weight=followers.count / n_followers,
                                              investor_segment=i % segments if segments > 1 else None)
    investors = params.investors
    n_investors = max(1, round(investors.count * params.run.scale))
    kinds = parse_shares("investors.kind_shares", investors.kind_shares, tuple(k.value for k in InvestorKind))
    homes = parse_shares("investors.region_shares", investors.region_shares, REGIONS)
    drawn_kinds = rng.choice(list(kinds), size=n_investors, p=list(kinds.values()))
    drawn_homes = rng.choice(list(homes), size=n_investors, p=list(homes.values()))
    agents = [Investor(model, i, InvestorKind(str(k)), str(r))
              for i, (k, r) in enumerate(zip(drawn_kinds, drawn_homes, strict=True))]
    model.investors = InvestorPopulation(agents, segments)
    for agent in model.all_economic_agents():
        if agent.account not in model.network.graph:
            model.network.add_node(agent.account, name=agent.name, agent_type=str(agent.agent_type),
                                   role=agent.role, region=agent.region)
    for region in REGIONS:
        government = model.governments[region]
        for utility in [model.utilities[region]]:
            model.network.add_or_update(government.account, utility.account, EdgeType.REGULATES, model.date)


def endow(model: ComputeMarket) -> None:
    """Pay starting cash from outside, assign starting debt and owners."""
    params = model.params
    rng = model.streams.get(Stream.INITIAL_CONDITIONS)
    ledger = model.ledger
    capital_each = rng.lognormal(0.0, params.investors.capital_sigma, len(model.investors.agents))
    capital_each *= params.investors.total_capital_usd_bn / capital_each.sum()
    for investor, amount in zip(model.investors.agents, capital_each, strict=True):
        ledger.pay(OUTSIDE, investor.account, float(amount), PaymentKind.ENDOWMENT)
    for utility in model.utilities.values():
        ledger.pay(OUTSIDE, utility.account, utility.spec.initial_cash_usd_bn, PaymentKind.ENDOWMENT)
    for maker in model.chipmakers.values():
        ledger.pay(OUTSIDE, maker.account, maker.spec.initial_cash_usd_bn, PaymentKind.ENDOWMENT)
    for name, lab in model.labs.items():
        spec = params.labs.get(name)
        cash = spec.initial_cash_usd_bn if spec else params.followers.initial_cash_usd_bn * lab.size_weight
        ledger.pay(OUTSIDE, lab.account, cash, PaymentKind.ENDOWMENT)
    capital = model.capital
    for name, lab in model.labs.items():
        spec = params.labs.get(name)
        capital.assign_initial_owners(lab, lab.role)
        if spec:
            capital.assign_initial_debt(lab, spec.initial_debt_usd_bn)
    for maker in model.chipmakers.values():
        capital.assign_initial_owners(maker, "Chipmaker")
    for utility in model.utilities.values():
        capital.assign_initial_owners(utility, "Utility")
    by_firm: dict[str, list[tuple[int, float, float]]] = {}
    for stake in params.strategic_stakes.values():
        if params.run.start_date >= stake.as_of and stake.share > 0:
            holder = model.labs.get(stake.holder) or model.chipmakers[stake.holder]
            by_firm.setdefault(stake.firm, []).append((holder.account, stake.share, stake.cost_usd_bn))
    for firm, stakes in by_firm.items():
        capital.stake_book.hold_at_start(model.labs[firm].account, stakes)


def _vintage_weights() -> np.ndarray:
    months = np.arange(-INITIAL_VINTAGE_MONTHS, 0)
    weights = (1.0 + INITIAL_GROWTH_PER_YEAR) ** (months / 12.0)
    return weights / weights.sum()


def install_initial_compute(model: ComputeMarket) -> None:
    """Install each lab's starting compute as built, connected, online projects with past vintages.

    Vintages spread over the 36 months before the start, growing 2x a year (the pace of NVIDIA
    data-centre revenue FY2023-FY2025); each vintage carries the newest generation of its month from
    the lab's first partner.
    """
    params = model.params
    rng = model.streams.get(Stream.INITIAL_CONDITIONS)
    weights = _vintage_weights()
    follower_spec = params.followers
    for name, lab in model.labs.items():
        spec = params.labs.get(name)
        if spec:
            gw = spec.initial_compute_gw
            partner_names = spec.partners or ["incumbent_gpu"]
        else:
            sigma = follower_spec.initial_compute_sigma
            total = float(rng.lognormal(np.log(follower_spec.mean_initial_compute_gw) - sigma ** 2 / 2, sigma)) * lab.size_weight
            gw = total * (1.0 - follower_spec.leased_share)
            lab.initial_lease_gw = total * follower_spec.leased_share
            partner_names = ["domestic_cn"] if lab.region == "CN" and "domestic_cn" in model.chipmakers else ["incumbent_gpu"]
        for partner in partner_names:
            if partner in model.chipmakers:
                model.network.add_or_update(lab.account, model.chipmakers[partner].account, EdgeType.PARTNERS, model.date,
                                            origin="initial")
        if gw > 0:
            maker = model.chipmakers[partner_names[0]]
            _install_project(model, lab, maker, gw, weights)
            if lab.profile.own_build_share > 0:
                _install_pipeline(model, lab, gw * params.lab_behaviour.initial_pipeline_share)
    for region, utility in model.utilities.items():
        if utility.committed_gw > utility.available_gw + 1e-9:
            raise ParamError(f"utilities.{region}.initial_available_gw = {utility.available_gw:g} is not allowed: "
                             f"expected >= the {utility.committed_gw:.3f} GW of compute installed there at the start")
        due = [(_finish_month(model.projects[project_id]), gw) for project_id, gw in utility.queue]
        utility.install_initial_builds(model.month, due)
        utility.price_usd_mwh = utility.target_price_usd_mwh()


def _finish_month(project: Project) -> int:
    """The month a project's building is due to be finished."""
    started = project.started_month if project.started_month is not None else project.ordered_month
    return started + project.build_months


def _install_project(model: ComputeMarket, lab: Lab, maker: Chipmaker, gw: float, weights: np.ndarray) -> None:
    params = model.params
    site = lab.region
    life = params.technology.useful_life_months
    cost_per_gw = maker.price_usd_bn_per_gw + params.lab_behaviour.building_capex_usd_bn_per_gw
    project = Project(model.next_id("project"), lab.account, site, gw, maker.account, maker.price_usd_bn_per_gw,
                      0.0, 1, model.month - INITIAL_VINTAGE_MONTHS, started_month=model.month - INITIAL_VINTAGE_MONTHS,
                      months_built=1, delivered_gw=gw, live_gw=gw, connected_gw=gw, online_gw=gw,
                      building_capitalised_usd_bn=gw * params.lab_behaviour.building_capex_usd_bn_per_gw,
                      building_per_gw=params.lab_behaviour.building_capex_usd_bn_per_gw)
    model.projects[project.id] = project
    lab.project_ids.append(project.id)
    site_index = REGIONS.index(site)
    for offset, weight in zip(range(-INITIAL_VINTAGE_MONTHS, 0), weights, strict=True):
        month = model.month + offset
        model.cohorts.add(owner=lab.account, maker=maker.account, project=project.id, site=site_index, gw=gw * weight,
                          eflops_per_gw=maker.eflops_per_gw(month), delivered_month=month, life_months=life,
                          cost_per_gw=cost_per_gw, online=True)
    model.utilities[site].commit_initial(gw)
    model.network.add_or_update(model.utilities[site].account, lab.account, EdgeType.POWERS, model.date, contracted_gw=gw,
                                price_usd_mwh=model.utilities[site].price_usd_mwh)


def _install_pipeline(model: ComputeMarket, lab: Lab, gw: float) -> None:
    """Projects already under construction at the start: chips on order, power requested, building part done.

    The ``gw`` is started in ``PIPELINE_TRANCHES`` equal tranches whose buildings are evenly far along (tranche k of
    N done (k + 1/2) / N of its build), as a steady flow of starts before the start date leaves them, so the chips
    on order fall due evenly over the coming build time rather than in a few random lumps.
    """
    if gw <= 0:
        return
    for tranche in range(PIPELINE_TRANCHES):
        before = set(model.projects)
        model.procurement.start_projects(lab, gw / PIPELINE_TRANCHES, lab.site_preference()[0])
        for project_id in sorted(set(model.projects) - before):
            project = model.projects[project_id]
            done = min(int((tranche + 0.5) / PIPELINE_TRANCHES * project.build_months), project.build_months - 1)
            model.construction[project.site].queue.remove(project_id)
            project.started_month = model.month - done
            project.months_built = done
            project.construction_paid_usd_bn = project.construction_capex_usd_bn * done / project.build_months
            for order in model.chip_market.orders.get(project.maker, []):
                if order.project == project_id:
                    order.wanted_month = model.month + max(project.build_months - done - 1, 0)


def sign_initial_leases(model: ComputeMarket) -> None:
    """Sign the named labs' starting leases and place followers' leased compute with clouds of their region."""
    params = model.params
    rng = model.streams.get(Stream.INITIAL_CONDITIONS)
    model.refresh_compute()
    for name, lab in model.labs.items():
        spec = params.labs.get(name)
        if spec and spec.initial_leased_gw > 0:
            cloud = model.labs[spec.lessor]
            gw = min(spec.initial_leased_gw, model.leases.free_gw(cloud))
            if gw > 0:
                model.leases.sign(cloud, lab, gw)
    for lab in model.labs_by_role(LabRole.FOLLOWER):
        wanted = lab.initial_lease_gw
        clouds = [c for c in model.labs_by_role(LabRole.CLOUD) if lab.region in c.profile.site_regions]
        if wanted <= 0 or not clouds:
            continue
        cloud = clouds[int(rng.integers(len(clouds)))]
        gw = min(wanted, model.leases.free_gw(cloud))
        if gw > 0:
            model.leases.sign(cloud, lab, gw)
    model.refresh_compute()
    model.leases.keep_starting_own_use(params.lab_behaviour.starting_own_use_share)


def create_construction(model: ComputeMarket) -> None:
    """Regional construction capacity from the parameters."""
    for region in REGIONS:
        spec = model.params.construction[region]
        model.construction[region] = RegionConstruction(spec, spec.start_capacity_gw_per_month)
