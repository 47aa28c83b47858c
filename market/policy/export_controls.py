"""Export controls: which accelerators a chipmaker may ship where, and the compliant variants it ships instead.

A chipmaker's part in a month is the newest generation scaled by its efficiency: TPP = TPP_gen x
efficiency (same power per accelerator), with the generation's interconnect bandwidth and die area.
For a destination covered by rules in force, the chipmaker ships the full part if no rule controls
it; otherwise the compliant variant with the most compute: interconnect cut just below the lowest
interconnect threshold (compute x ``export_response.interconnect_cut_compute_factor``) and/or TPP
cut just below a threshold (compute x TPP_variant / TPP). A variant's price per GW is the full
price x max(compute factor, ``export_response.variant_price_floor``). With no compliant variant
(a threshold of 0), the destination is blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from market.parameters.policy import ExportResponseSpec, ExportRuleSpec
from market.physical.compute import month_index

if TYPE_CHECKING:
    from agents.chipmaker import Chipmaker
    from market.model import ComputeMarket


@dataclass(frozen=True)
class Offer:
    """What a chipmaker may ship to a destination: compute and price relative to its full part."""

    compute_factor: float
    price_factor: float
    variant: bool


FULL_PART = Offer(1.0, 1.0, False)


class ExportRule:
    """One rule in force between two months (see :class:`market.parameters.policy.ExportRuleSpec`).

    Args:
        name: The rule's name in ``export_rules``.
        spec: Its parameters.
    """

    def __init__(self, name: str, spec: ExportRuleSpec) -> None:
        self.name = name
        self.spec = spec
        self.from_month = month_index(spec.from_date)
        self.until_month = month_index(spec.until_date)

    def in_force(self, month: int) -> bool:
        """Whether the rule applies in ``month``."""
        return self.from_month <= month < self.until_month

    def covers(self, site: str, buyer_region: str) -> bool:
        """Whether a part bound for a project at ``site`` for a lab from ``buyer_region`` is covered."""
        destinations = self.spec.destinations
        return site in destinations or (self.spec.covers_headquarters and buyer_region in destinations)

    def controls(self, tpp: float, interconnect_gb_s: float, die_area_mm2: float) -> bool:
        """Whether a part with these figures is controlled."""
        spec = self.spec
        over_tpp = tpp >= spec.tpp_threshold and (spec.interconnect_threshold_gb_s <= 0
                                                  or interconnect_gb_s >= spec.interconnect_threshold_gb_s)
        dense = (spec.performance_density_threshold > 0 and tpp >= spec.density_tpp_threshold
                 and tpp / die_area_mm2 >= spec.performance_density_threshold)
        return over_tpp or dense

    def tpp_limits(self, die_area_mm2: float) -> list[float]:
        """The TPP values at which this rule's tests switch on, for a part of this die area."""
        spec = self.spec
        limits = [spec.tpp_threshold]
        if spec.performance_density_threshold > 0:
            limits += [spec.density_tpp_threshold, spec.performance_density_threshold * die_area_mm2]
        return limits


def compliant_offer(tpp: float, interconnect_gb_s: float, die_area_mm2: float, rules: list[ExportRule],
                    response: ExportResponseSpec) -> Offer | None:
    """The best offer under ``rules`` for a part with these figures: the full part, a variant or None."""
    if not any(rule.controls(tpp, interconnect_gb_s, die_area_mm2) for rule in rules):
        return FULL_PART
    below = 1.0 - response.tpp_margin
    interconnect_limits = [r.spec.interconnect_threshold_gb_s for r in rules if r.spec.interconnect_threshold_gb_s > 0]
    links = [(interconnect_gb_s, 1.0)]
    if interconnect_limits:
        links.append((min(interconnect_limits) * below, response.interconnect_cut_compute_factor))
    tpps = sorted({tpp, *(x * below for r in rules for x in r.tpp_limits(die_area_mm2) if 0 < x * below < tpp)}, reverse=True)
    best = 0.0
    for link, link_factor in links:
        for candidate in tpps:
            if not any(rule.controls(candidate, link, die_area_mm2) for rule in rules):
                best = max(best, candidate / tpp * link_factor)
                break
    if best <= 0:
        return None
    return Offer(best, max(best, response.variant_price_floor), True)


class ExportControls:
    """The export rules of a run and the offers they allow, cached per month.

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.rules = [ExportRule(name, spec) for name, spec in sorted(model.params.export_rules.items())]
        self._cache: dict[tuple[int, int, str, str], Offer | None] = {}
        self._cache_month = -1

    def add_rule(self, name: str, spec: ExportRuleSpec) -> None:
        """Put a new rule in force (endogenous escalation or a scenario event)."""
        self.model.params.export_rules[name] = spec
        self.rules = [ExportRule(n, s) for n, s in sorted(self.model.params.export_rules.items())]
        self._cache.clear()

    def offer(self, maker: Chipmaker, month: int, site: str, buyer_region: str) -> Offer | None:
        """What ``maker`` may ship in ``month`` to a project at ``site`` of a lab from ``buyer_region``."""
        if month != self._cache_month:
            self._cache.clear()
            self._cache_month = month
        key = (maker.account, month, site, buyer_region)
        if key not in self._cache:
            rules = [r for r in self.rules
                     if r.spec.issuer == maker.region and r.in_force(month) and r.covers(site, buyer_region)]
            if not rules:
                self._cache[key] = FULL_PART
            else:
                generation = self.model.catalogue.newest_at(month)
                self._cache[key] = compliant_offer(generation.tpp * maker.spec.efficiency, generation.interconnect_gb_s,
                                                   generation.die_area_mm2, rules, self.model.params.export_response)
        return self._cache[key]
