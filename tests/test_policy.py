"""Policy instruments (issue 4): export rules with the real thresholds, variants, screening, endogenous rules,
the domestic maker's ceiling, the entrant's maturity ramp and the headline indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.utility import HOURS_PER_MONTH
from market.enums import REGIONS
from market.outputs.indicators import WEEKS_PER_YEAR
from market.parameters.policy import ExportResponseSpec, ExportRuleSpec
from market.physical.compute import month_index
from market.policy.export_controls import FULL_PART, ExportRule, compliant_offer
from tests.conftest import model_after, run


def _rule(tpp: float, interconnect: float, density_tpp: float, density: float) -> ExportRule:
    spec = ExportRuleSpec()
    spec.tpp_threshold, spec.interconnect_threshold_gb_s = tpp, interconnect
    spec.density_tpp_threshold, spec.performance_density_threshold = density_tpp, density
    return ExportRule("test", spec)


RULE_2022 = _rule(4800.0, 600.0, 0.0, 0.0)
RULE_2023 = _rule(4800.0, 0.0, 1600.0, 5.92)
FULL_BLOCK = _rule(0.0, 0.0, 0.0, 0.0)
# (TPP, interconnect GB/s, die mm^2) from datasheets: dense BF16 TFLOP/s x 16.
A100, A800 = (312 * 16, 600.0, 826.0), (312 * 16, 400.0, 826.0)
H100, H800 = (989 * 16, 900.0, 814.0), (989 * 16, 400.0, 814.0)
H20 = (148 * 16, 900.0, 814.0)
B200 = (2250 * 16, 1800.0, 1600.0)


@pytest.mark.parametrize(("part", "controlled_2022", "controlled_2023"), [
    (A100, True, True), (A800, False, True), (H100, True, True), (H800, False, True), (H20, False, False)])
def test_the_rules_catch_the_parts_they_caught(part, controlled_2022, controlled_2023) -> None:
    """2022: A800/H800 (NVLink cut to 400 GB/s) shipped; 2023: they were caught and the H20 was designed below."""
    assert RULE_2022.controls(*part) is controlled_2022
    assert RULE_2023.controls(*part) is controlled_2023


def test_a_part_exactly_at_a_threshold_is_controlled() -> None:
    """The rules' tests are "or more": TPP 4800 with 600 GB/s interconnect is caught by the 2022 rule, TPP 1600 at
    exactly 5.92 TPP per mm^2 by the 2023 rule; a hair below each threshold escapes. Fails if a threshold is strict."""
    assert RULE_2022.controls(4800.0, 600.0, 826.0)
    assert not RULE_2022.controls(4799.9, 600.0, 826.0) and not RULE_2022.controls(4800.0, 599.9, 826.0)
    assert RULE_2023.controls(4800.0, 0.0, 10_000.0)
    assert RULE_2023.controls(1600.0, 0.0, 1600.0 / 5.92)
    assert not RULE_2023.controls(1599.9, 0.0, 1599.9 / 5.92) and not RULE_2023.controls(1600.0, 0.0, 1600.0 / 5.91)


def test_a_rule_is_in_force_from_its_first_month_until_the_month_before_until() -> None:
    """A rule from 2023-11 until 2025-01 applies in 2023-11 and 2024-12, not in 2023-10 nor in 2025-01.
    Fails if it is still in force in its until month."""
    spec = ExportRuleSpec()
    spec.from_date, spec.until_date = "2023-11", "2025-01"
    rule = ExportRule("dated", spec)
    assert [rule.in_force(month_index(d)) for d in ("2023-10", "2023-11", "2024-12", "2025-01")] == [False, True, True, False]


def test_variants_are_the_fastest_compliant_parts() -> None:
    response = ExportResponseSpec()
    assert compliant_offer(*H20, [RULE_2023], response) == FULL_PART
    h800 = compliant_offer(*H100, [RULE_2022], response)
    assert h800.variant and h800.compute_factor == pytest.approx(response.interconnect_cut_compute_factor)
    h100_2023 = compliant_offer(*H100, [RULE_2023], response)
    assert 4800 * 0.99 <= h100_2023.compute_factor * H100[0] < 4800
    assert not RULE_2023.controls(H100[0] * h100_2023.compute_factor, H100[1], H100[2])
    assert h100_2023.price_factor == pytest.approx(response.variant_price_floor)
    b200_2023 = compliant_offer(*B200, [RULE_2023], response)
    assert b200_2023.compute_factor == pytest.approx(4800 * 0.99 / B200[0])
    assert not RULE_2023.controls(B200[0] * b200_2023.compute_factor, B200[1], B200[2])
    assert compliant_offer(*H100, [FULL_BLOCK], response) is None
    assert compliant_offer(*H100, [RULE_2022, RULE_2023], response).compute_factor < h800.compute_factor


@pytest.fixture(scope="module")
def export_block():
    return run([("run.steps", 36)], seed=1, scenario="export-block")


def test_a_full_block_stops_us_chips_to_china_and_counts_the_refusals(export_block) -> None:
    model = export_block.model
    cohorts = model.cohorts
    rows = slice(0, cohorts.n)
    us_makers = [m.account for m in model.chipmakers.values() if m.region == "US"]
    to_cn = (cohorts.site[rows] == REGIONS.index("CN")) & np.isin(cohorts.maker[rows], us_makers)
    after = cohorts.delivered_month[rows] >= month_index("2025-07")
    assert not (to_cn & after).any()
    assert export_block.model_table["blocked_demand_gw"].sum() > 0
    assert (export_block.event_table["kind"] == "export_refused").any()
    assert (export_block.event_table["kind"] == "export_rule").any()


def test_variants_ship_to_china_under_the_2023_rule(baseline_seed1) -> None:
    model = baseline_seed1.model
    cohorts = model.cohorts
    rows = slice(0, cohorts.n)
    incumbent = model.chipmakers["incumbent_gpu"]
    mask = (cohorts.maker[rows] == incumbent.account) & (cohorts.site[rows] == REGIONS.index("CN")) \
        & (cohorts.delivered_month[rows] >= model.start_month)
    assert mask.any(), "no incumbent chips reached a Chinese site"
    full = np.array([model.catalogue.newest_at(int(m)).eflops_per_gw for m in cohorts.delivered_month[rows][mask]])
    assert (cohorts.eflops_per_gw[rows][mask] < 0.5 * full).all()
    events, table = baseline_seed1.event_table, baseline_seed1.model_table
    declined = events[events["kind"] == "variant_declined"]
    assert len(declined) and declined["date"].iloc[0] >= "2026-01", "variants are bought in 2025, as H20s were"
    assert table.loc[table["date"] < declined["date"].iloc[0], "blocked_demand_gw"].sum() == 0


def test_a_variant_costing_over_one_plus_the_max_markup_times_the_best_full_part_per_eflops_is_declined() -> None:
    """Known answer: a Chinese lab's offers in Jan 2030 are the domestic full part and US variants; a variant is kept
    exactly when its full cost per EFLOP/s-month (chips and building over the useful life, power and upkeep) is at
    most (1 + max_price_markup) times the cheapest full part's, and full parts are always kept; a US lab keeps every
    offer. Pinned at the edge: the dearest variant is kept with the markup a hair above its cost ratio less 1 and
    declined a hair below. Fails if the ceiling uses another multiple or another reference, or if the cost leaves
    out power or the building."""
    model = model_after(61)
    procurement = model.procurement
    behaviour = model.params.lab_behaviour
    sellers = procurement.sellers_to("CN")
    offers = {m.account: procurement.offer(m, "CN", "CN") for m in sellers}
    power = model.utilities["CN"].price_usd_mwh * HOURS_PER_MONTH * 1e3 / 1e9
    cost = {}
    for maker in sellers:
        offer = offers[maker.account]
        capex = maker.price_usd_bn_per_gw * offer.price_factor + behaviour.building_capex_usd_bn_per_gw
        cost[maker.account] = ((capex / model.params.technology.useful_life_months + power
                                + behaviour.maintenance_usd_bn_per_gw_month)
                               / (maker.eflops_per_gw(model.month) * offer.compute_factor))
    full = min(c for a, c in cost.items() if not offers[a].variant)
    variants = {a: c for a, c in cost.items() if offers[a].variant}
    assert variants and len(variants) < len(cost)
    ceiling = (1.0 + behaviour.max_price_markup) * full
    kept = procurement.economic_offers("CN", "CN", sellers)
    assert {a for a, o in kept.items() if o is not None} == {a for a, c in cost.items() if a not in variants or c <= ceiling}
    assert any(o is None for o in kept.values())
    us = procurement.sellers_to("US")
    assert all(o is not None for o in procurement.economic_offers("US", "US", us).values())
    dearest = max(variants, key=variants.get)
    ratio = variants[dearest] / full
    for markup, taken in ((ratio - 1.0 + 1e-6, True), (ratio - 1.0 - 1e-6, False)):
        behaviour.max_price_markup = markup
        assert (procurement.economic_offers("CN", "CN", sellers)[dearest] is not None) is taken, (markup, ratio)


def test_the_block_response_raises_the_domestic_ceiling_once(export_block, baseline_seed1) -> None:
    maker = export_block.model.chipmakers["domestic_cn"]
    response = export_block.model.params.governments["CN"]
    assert maker.capacity_ceiling_gw_per_month == pytest.approx(
        maker.spec.max_capacity_gw_per_month * response.block_response_ceiling_multiplier)
    assert maker.capacity_gw_per_month <= maker.capacity_ceiling_gw_per_month + 1e-9
    assert (export_block.event_table["kind"] == "block_response").sum() == 1
    events = baseline_seed1.event_table
    responses = events[events["kind"] == "block_response"]
    declined = events[events["kind"] == "variant_declined"]
    assert len(responses) == 1 and responses["date"].iloc[0] == declined["date"].iloc[0], \
        "the baseline responds once, when its labs first decline the variants"
    assert responses["date"].iloc[0] > export_block.event_table.query("kind == 'block_response'")["date"].iloc[0]


def test_screening_bars_new_stakes_and_logs_the_blocked_money() -> None:
    result = run([("run.steps", 24)], seed=1, scenario="investment-block")
    model = result.model
    barred = np.isin(model.investors.regions, ["CN", "GULF"])
    covered = [f.account for f in [*model.labs.values(), *model.chipmakers.values()]
               if f.region == "US" and (f.agent_type.value == "Chipmaker" or f.role in ("frontier", "cloud"))]
    assert model.capital.invested[np.ix_(model.investors.accounts[barred], covered)].sum() == 0
    assert model.capital.blocked_investment_usd_bn > 0
    assert (result.event_table["kind"] == "investment_blocked").any()


def test_escalation_blocks_a_rival_once_its_share_passes_the_threshold() -> None:
    result = run([("run.steps", 12), ("governments.US.escalation_enabled", True),
                  ("governments.US.escalation_share_threshold", 0.05)], seed=1)
    rules = result.event_table[result.event_table["kind"] == "export_rule"]
    assert rules["detail"].str.contains("escalation_us_cn").any()
    assert "escalation_us_cn" in result.model.params.export_rules


def test_the_entrant_matures_linearly() -> None:
    result = run([("run.steps", 2)], seed=1, scenario="neuromorphic")
    model = result.model
    entrant = model.chipmakers["entrant_neuromorphic"]
    entrant.selling_since = model.month
    newest = model.catalogue.newest_at(model.month).eflops_per_gw
    assert entrant.eflops_per_gw(model.month) == pytest.approx(newest * 10.0 * 0.2)
    assert entrant.maturity(model.month + 18) == pytest.approx(0.6)
    assert entrant.maturity(model.month + 36) == pytest.approx(1.0) == entrant.maturity(model.month + 60)


def test_gw_added_per_week_is_the_trailing_year_of_gross_additions(baseline_seed1) -> None:
    table = baseline_seed1.model_table
    additions = (table["compute_gw"].diff() + table["retired_gw"].diff()).clip(lower=0.0)
    expected = additions.rolling(12, min_periods=1).sum() / WEEKS_PER_YEAR
    pd.testing.assert_series_equal(table["gw_added_per_week"].iloc[1:], expected.iloc[1:], check_names=False,
                                   rtol=1e-9, atol=1e-9)


def test_a_rule_covers_a_destination_s_labs_abroad_only_when_it_says_so() -> None:
    """A rule on China covers sites in China for any buyer; a Chinese lab's site in the Gulf only when the rule covers
    headquarters. Fails if headquarters are always covered."""
    spec = ExportRuleSpec()
    spec.destinations = ["CN"]
    spec.covers_headquarters = False
    rule = ExportRule("sites", spec)
    assert rule.covers("CN", "US") and not rule.covers("GULF", "CN")
    spec.covers_headquarters = True
    assert ExportRule("headquarters", spec).covers("GULF", "CN")


def test_a_draw_on_a_declined_variant_is_refused_once_then_redrawn_among_makers_that_may_ship(monkeypatch) -> None:
    """A Chinese lab in Jan 2030 (US variants declined) whose logit draw falls on a US maker: the GW count once as
    blocked demand, an ``export_refused`` event says the variant was declined as uneconomic, and the order goes to the
    maker drawn again among those whose offers the lab takes (the domestic maker, given room here). Fails if a
    declined variant is shipped, if the refusal is not recorded or recorded twice, or if the redraw can land on a
    declined maker."""
    model = model_after(61)
    procurement = model.procurement
    lab = model.labs["frontier_lab_c"]
    sellers = procurement.sellers_to("CN")
    kept = procurement.economic_offers("CN", "CN", sellers)
    declined = [m for m in sellers if kept[m.account] is None]
    assert declined, "US variants are declined by 2030 at the defaults"
    for maker in sellers:
        monkeypatch.setattr(maker, "order_room_gw", lambda month: 10.0)
    draws = []

    def draw(lab_, makers, offers):
        draws.append([m.name for m in makers])
        return declined[0] if len(draws) == 1 else makers[0]

    monkeypatch.setattr(procurement, "_draw", draw)
    blocked, events = procurement.blocked_month_gw, len(model.event_log)
    maker, offer = procurement.choose_maker(lab, "CN", 0.2, procurement.wanted_month("CN"))
    assert procurement.blocked_month_gw - blocked == pytest.approx(0.2)
    refused = [e for e in model.event_log[events:] if e["kind"] == "export_refused"]
    assert len(refused) == 1 and "declined as uneconomic" in refused[0]["detail"] and declined[0].name in refused[0]["actors"]
    assert kept[maker.account] is not None and offer is kept[maker.account]
    assert not {m.name for m in declined} & set(draws[1])
