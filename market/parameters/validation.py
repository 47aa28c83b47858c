"""The rules that span parameter fields (shares summing to 1, names that must exist, growth below the discount rate).

Every check raises a one-line :class:`market.parameters.schema.ParamError` naming the field, the bad value and what is allowed.
Scenario files, ``--set`` values and ``set_param`` events all pass through :func:`validate_params`.
"""

from __future__ import annotations

import math

from market.enums import REGIONS, InvestorKind
from market.parameters.params import Params
from market.parameters.schema import ParamError, suggest


def finite(value: float) -> bool:
    """True for a finite number (False for NaN, infinities and integers beyond float range)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def parse_shares(path: str, entries: list[str], allowed: tuple[str, ...]) -> dict[str, float]:
    """Parse ``['US:0.5', ...]`` into a dict of shares that must be allowed names summing to 1."""
    shares: dict[str, float] = {}
    for entry in entries:
        name, _, number = entry.partition(":")
        try:
            value = float(number)
        except ValueError:
            raise ParamError(f"{path} entry {entry!r} is not allowed: expected 'NAME:share' with a number") from None
        if name not in allowed or not math.isfinite(value) or value < 0:
            raise ParamError(f"{path} entry {entry!r} is not allowed: names must be one of {', '.join(allowed)} "
                             "with a share >= 0")
        shares[name] = value
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise ParamError(f"{path} = {entries!r} is not allowed: the shares must sum to 1 (they sum to {sum(shares.values()):g})")
    return shares


def parse_rate_path(entries: list[str]) -> dict[int, float]:
    """Parse ``['2024:0.042', ...]`` into {year: rate}; at least one entry."""
    rates: dict[int, float] = {}
    for entry in entries:
        year, _, number = entry.partition(":")
        try:
            rates[int(year)] = float(number)
        except ValueError:
            raise ParamError(f"finance.risk_free_path entry {entry!r} is not allowed: expected 'YYYY:rate'") from None
        if not -0.05 <= rates[int(year)] <= 0.5:
            raise ParamError(f"finance.risk_free_path entry {entry!r} is not allowed: expected a rate between -0.05 and 0.5")
    if not rates:
        raise ParamError("finance.risk_free_path = [] is not allowed: expected at least one 'YYYY:rate' entry")
    return rates


MAX_GENERATED_AGENTS = 90_000
"""Investors and followers together: the capital market holds five dense accounts x issuers matrices (40 bytes x
accounts x firms of address space, ~38 GB at 90,000 generated agents, each matrix under 8 GB; memory is taken only by
what is written, a follower's holders being a few hundred investors of its segment: benchmarks/README.md gives the
measured peaks), so larger populations wait for sparse holdings."""


def validate_params(params: Params) -> None:
    """Check the rules that span fields (shares summing to 1, names that must exist, a population that fits)."""
    scale = params.run.scale
    generated = max(1, round(params.investors.count * scale)) + round(params.followers.count * scale)
    if generated > MAX_GENERATED_AGENTS:
        largest = MAX_GENERATED_AGENTS / (params.investors.count + params.followers.count)
        raise ParamError(f"investors.count x run.scale + followers.count x run.scale = {generated:,} agents is not allowed: "
                         f"expected at most {MAX_GENERATED_AGENTS:,}, run.scale <= {math.floor(largest * 100) / 100:g} at "
                         "these counts (the capital market's accounts x firms matrices take 40 bytes x accounts x firms "
                         "of address space, ~38 GB at 90,000)")
    for role, split in params.compute_split.items():
        total = split.training_share + split.inference_share + split.research_share
        if abs(total - 1.0) > 1e-6:
            raise ParamError(f"compute_split.{role} shares sum to {total:g}: training, inference and research shares "
                             "must sum to 1")
        if split.max_inference_share < split.inference_share:
            raise ParamError(f"compute_split.{role}.max_inference_share = {split.max_inference_share:g} is not allowed: "
                             f"expected >= inference_share ({split.inference_share:g})")
    parse_shares("followers.region_shares", params.followers.region_shares, REGIONS)
    parse_shares("investors.region_shares", params.investors.region_shares, REGIONS)
    parse_shares("investors.kind_shares", params.investors.kind_shares, tuple(k.value for k in InvestorKind))
    labs = list(params.labs)
    for name, maker in params.chipmakers.items():
        if maker.anchor_partner and maker.anchor_partner not in labs:
            raise ParamError(f"chipmakers.{name}.anchor_partner = {maker.anchor_partner!r} is not allowed: expected '' or a "
                             f"lab, one of {', '.join(labs)}{suggest(maker.anchor_partner, labs)}")
        if maker.anchor_share > maker.fab_partner_share:
            raise ParamError(f"chipmakers.{name}.anchor_share = {maker.anchor_share:g} is not allowed: expected <= "
                             f"fab_partner_share ({maker.fab_partner_share:g}), of which it is a part")
        if maker.anchor_share > 0 and not maker.anchor_partner:
            raise ParamError(f"chipmakers.{name}.anchor_share = {maker.anchor_share:g} is not allowed without an anchor "
                             f"partner: set chipmakers.{name}.anchor_partner to a lab or anchor_share = 0")
    clouds = [n for n, s in params.labs.items() if s.role == "cloud"]
    for name, lab in params.labs.items():
        if lab.lessor and lab.lessor not in clouds:
            raise ParamError(f"labs.{name}.lessor = {lab.lessor!r} is not allowed: expected '' or a cloud, one of "
                             f"{', '.join(clouds)}{suggest(lab.lessor, clouds)}")
        if lab.initial_leased_gw > 0 and not lab.lessor:
            raise ParamError(f"labs.{name}.initial_leased_gw = {lab.initial_leased_gw:g} is not allowed without a lessor: "
                             f"set labs.{name}.lessor or lease 0")
        if lab.exclusive_lessor and not lab.lessor:
            raise ParamError(f"labs.{name}.exclusive_lessor = true is not allowed without a lessor: set labs.{name}.lessor "
                             "to a cloud or exclusive_lessor = false")
        for partner in lab.partners:
            if partner not in params.chipmakers:
                raise ParamError(f"labs.{name}.partners entry {partner!r} is not allowed: expected a chipmaker, one of "
                                 f"{', '.join(params.chipmakers)}{suggest(partner, list(params.chipmakers))}")
        if lab.role == "follower":
            raise ParamError(f"labs.{name}.role = 'follower' is not allowed for a named lab: followers are the "
                             "population set by the 'followers' group")
    for name, maker in params.chipmakers.items():
        if maker.role == "domestic" and maker.region == "US":
            raise ParamError(f"chipmakers.{name}.region = 'US' is not allowed for a domestic chipmaker: "
                             "expected the rival region it serves")
    rates = parse_rate_path(params.finance.risk_free_path)
    lowest_discount = min(rates.values()) + params.valuation.equity_risk_premium
    if params.valuation.terminal_growth >= lowest_discount:
        raise ParamError(f"valuation.terminal_growth = {params.valuation.terminal_growth:g} is not allowed: expected below the "
                         f"lowest discount rate, the lowest of finance.risk_free_path ({min(rates.values()):g}) plus "
                         f"valuation.equity_risk_premium ({params.valuation.equity_risk_premium:g}), "
                         f"{lowest_discount:g}: lower it or raise either")
    for name, rule in params.export_rules.items():
        if rule.issuer in rule.destinations:
            raise ParamError(f"export_rules.{name}.destinations = {rule.destinations!r} is not allowed: expected regions "
                             f"other than its issuer ({rule.issuer})")
    for name, deal in params.vendor_deals.items():
        if deal.chipmaker not in params.chipmakers:
            raise ParamError(f"vendor_deals.{name}.chipmaker = {deal.chipmaker!r} is not allowed: expected one of "
                             f"{', '.join(params.chipmakers)}{suggest(deal.chipmaker, list(params.chipmakers))}")
        if deal.lab not in params.labs:
            raise ParamError(f"vendor_deals.{name}.lab = {deal.lab!r} is not allowed: expected a named lab, one of "
                             f"{', '.join(params.labs)}{suggest(deal.lab, list(params.labs))}")
    _check_strategic_stakes(params)
    _check_capacity_contracts(params)
    if not any(g.intro_date <= params.run.start_date for g in params.generations.values()):
        raise ParamError(f"run.start_date = {params.run.start_date!r} is not allowed: expected a month on or after the "
                         "first generation's intro_date")


def _check_strategic_stakes(params: Params) -> None:
    """Each stake's holder is a named lab or chipmaker other than the lab it holds, and the stakes in a lab leave its
    other owners something."""
    firms = [*params.labs, *params.chipmakers]
    held: dict[str, float] = {}
    for name, stake in params.strategic_stakes.items():
        others = [firm for firm in firms if firm != stake.firm]
        if stake.holder not in others:
            hint = suggest(stake.holder, others) if stake.holder not in firms else ""
            raise ParamError(f"strategic_stakes.{name}.holder = {stake.holder!r} is not allowed: expected a named lab or "
                             f"chipmaker other than {stake.firm!r}, one of {', '.join(others)}{hint}")
        if stake.firm not in params.labs:
            raise ParamError(f"strategic_stakes.{name}.firm = {stake.firm!r} is not allowed: expected a named lab, one of "
                             f"{', '.join(params.labs)}{suggest(stake.firm, list(params.labs))}")
        held[stake.firm] = held.get(stake.firm, 0.0) + stake.share
        if held[stake.firm] >= 1.0:
            raise ParamError(f"strategic_stakes.{name}.share = {stake.share!r} is not allowed: the stakes in "
                             f"{stake.firm} would add up to {held[stake.firm]:g}; expected less than 1 in all")


def _check_capacity_contracts(params: Params) -> None:
    """Each contract's lessor is a named cloud and its lessee another named lab, it is signed within the run, and its
    deliveries start on or after its signing."""
    clouds = [name for name, spec in params.labs.items() if spec.role == "cloud"]
    for name, contract in params.capacity_contracts.items():
        where = f"capacity_contracts.{name}"
        if contract.lessor not in clouds:
            raise ParamError(f"{where}.lessor = {contract.lessor!r} is not allowed: expected a named cloud, one of "
                             f"{', '.join(clouds)}{suggest(contract.lessor, clouds)}")
        others = [lab for lab in params.labs if lab != contract.lessor]
        if contract.lessee not in others:
            hint = suggest(contract.lessee, others) if contract.lessee not in params.labs else ""
            raise ParamError(f"{where}.lessee = {contract.lessee!r} is not allowed: expected a named lab other than the "
                             f"lessor, one of {', '.join(others)}{hint}")
        if contract.signed_date < params.run.start_date:
            raise ParamError(f"{where}.signed_date = {contract.signed_date!r} is not allowed: expected a month on or after "
                             f"run.start_date ({params.run.start_date}): a run's starting state holds no contract")
        if contract.start_date < contract.signed_date:
            raise ParamError(f"{where}.start_date = {contract.start_date!r} is not allowed: expected a month on or after "
                             f"its signed_date ({contract.signed_date})")
