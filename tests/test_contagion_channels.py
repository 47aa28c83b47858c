"""Contagion through every exposure the ledger holds: each channel's loss, its known answer and its event.

Each test sets by hand only what the rule reads, on a real baseline model after one month, and states the hand-worked
answer; the last runs the vendor-financing scenario and fails its lab. Each docstring names the bug that fails it.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.utility import usd_bn_per_gw_month
from market.enums import ExposureChannel
from market.finance.ledger import OUTSIDE, PaymentKind
from market.finance.vendor import DealState
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from tests.conftest import model_after


def _debt_free_with_cash(model: ComputeMarket, name: str, cash_usd_bn: float):
    """A lab owing nothing (no loans, claims or leases) and holding exactly ``cash_usd_bn``."""
    lab = model.labs[name]
    model.capital.loans[:, lab.account] = 0.0
    model.capital.bonds.face[:, lab.account] = 0.0
    for lease_id in [i for i, lease in model.leases.leases.items() if lab.account in (lease.lessee, lease.lessor)]:
        del model.leases.leases[lease_id]
    for key in [k for k in model.ledger.claims if lab.account in k]:
        del model.ledger.claims[key]
    model.capital.pay_dividend(lab, lab.cash_usd_bn)
    if cash_usd_bn > 0:
        model.ledger.pay(OUTSIDE, lab.account, cash_usd_bn, PaymentKind.AI_SERVICES)
    return lab


def _booked(model: ComputeMarket, holder: int, counterparty: int) -> dict[ExposureChannel, float]:
    booked: dict[ExposureChannel, float] = {}
    for loss in model.insolvency.losses[holder]:
        if loss.counterparty == counterparty:
            booked[loss.channel] = booked.get(loss.channel, 0.0) + loss.amount_usd_bn
    return booked


def _loss_events(model: ComputeMarket, debtor: str) -> list[str]:
    return [e["detail"] for e in model.event_log if e["kind"] == "losses" and e["actors"].split(",")[0] == debtor]


def test_loans_and_claims_lose_the_same_share_and_each_loss_names_its_channel() -> None:
    """A lab with 2 $bn of cash owes an investor a 3 $bn loan, a chipmaker a 2 $bn loan and a 2 $bn claim, and a utility
    a 1 $bn claim: 8 owed, a quarter paid, so the investor loses 2.25 on its loan, the chipmaker 1.5 on its loan and 1.5
    on its claim, the utility 0.75 on its claim; one event per channel. Fails if a creditor's loss is not split by
    channel or channels are paid in different shares."""
    model = model_after(1)
    lab = _debt_free_with_cash(model, "follower_004", 2.0)
    investor = int(model.investors.accounts[0])
    maker, utility = model.chipmakers["incumbent_gpu"].account, model.utilities["US"].account
    model.capital.set_loan(investor, lab.account, 3.0)
    model.capital.set_loan(maker, lab.account, 2.0)
    model.ledger.claims[(maker, lab.account)] = 2.0
    model.ledger.claims[(utility, lab.account)] = 1.0
    model.insolvency._clear([lab])
    assert _booked(model, investor, lab.account) == {ExposureChannel.LOAN: pytest.approx(2.25)}
    assert _booked(model, maker, lab.account) == {ExposureChannel.LOAN: pytest.approx(1.5),
                                                  ExposureChannel.CLAIM: pytest.approx(1.5)}
    assert _booked(model, utility, lab.account) == {ExposureChannel.CLAIM: pytest.approx(0.75)}
    events = _loss_events(model, lab.name)
    assert sorted(detail.split(":")[0] for detail in events) == ["loan", "unpaid claim"]
    assert any(detail.startswith("loan: 3.75 $bn lost by 2 holders; firms: incumbent_gpu 1.50") for detail in events)


def test_a_scrapped_project_leaves_its_utility_a_power_take_or_pay_claim() -> None:
    """A defaulter with no cash whose project (connected GW c) is scrapped owes its utility take_or_pay_claim_months
    (12) x c x the month's power price per GW-month, and clearing pays none of it: the utility books exactly that as a
    power take-or-pay loss. Fails if scrapping releases the power with no claim."""
    model = model_after(1)
    name, project_id = next((lab.name, i) for lab in model.labs.values() for i in lab.project_ids
                            if model.projects[i].connected_gw > 0)
    lab = _debt_free_with_cash(model, name, 0.0)
    project = model.projects[project_id]
    utility = model.utilities[project.site]
    expected = 12 * project.connected_gw * usd_bn_per_gw_month(utility.price_usd_mwh)
    model.insolvency._scrap(lab, project_id)
    model.insolvency._clear([lab])
    assert _booked(model, utility.account, lab.account) == {ExposureChannel.POWER: pytest.approx(expected)}
    assert any(d.startswith("power take-or-pay:") for d in _loss_events(model, lab.name))


def test_shareholders_lose_their_stake_at_market_value_and_a_vendor_financier_s_is_its_own_channel() -> None:
    """A lab worth 50 $bn at market fails: the chipmaker that bought 10% through a vendor-financing deal loses 5 on
    that channel; another chipmaker holding 20% without a deal loses 10 as a plain stake. Fails if vendor financing is
    not told apart from other stakes, or stakes are lost at anything but their share of the market value."""
    model = model_after(1)
    lab = model.labs["frontier_lab_b"]
    vendor, holder = model.chipmakers["incumbent_gpu"], model.chipmakers["custom_asic"]
    column = model.capital.stakes[:, lab.account] * 0.7 / model.capital.stakes[:, lab.account].sum()
    column[vendor.account], column[holder.account] = 0.1, 0.2
    model.capital.set_register(lab.account, column)
    model.vendor.deals.append(DealState("test", vendor.account, lab.account, 10.0, 1.0, 0, 1.0, 5.0, 0.0))
    model.insolvency._write_off(lab, 50.0)
    assert _booked(model, vendor.account, lab.account) == {ExposureChannel.VENDOR_FINANCING: pytest.approx(5.0)}
    assert _booked(model, holder.account, lab.account) == {ExposureChannel.STAKE: pytest.approx(10.0)}
    events = _loss_events(model, lab.name)
    assert any(d.startswith("vendor financing: 5.00 $bn lost by 1 holders; firms: incumbent_gpu 5.00") for d in events)


def test_a_frontier_lab_s_failure_hits_its_vendor_financier(monkeypatch) -> None:
    """vendor-financing-10gw, seed 1: by June 2027 incumbent_gpu has bought a stake in frontier_lab_a through the deal.
    The lab is then given an unpayable claim and no way to raise money, and defaults after the grace months: the
    chipmaker books its stake at the lab's last market value as a vendor-financing loss, the event log names the
    channel and the chipmaker, and the stake is worth nothing from the next valuation on. On the chipmaker's books the
    stake was carried at what the deal's tranches paid less any write-down, and the default writes it off
    (``stake_written_off``, as for cloud_us_a's stake held from the start). Fails if the vendor's exposure is not a
    channel of contagion or a failed investee's stake stays on its holder's books."""
    model = ComputeMarket(load_scenario("vendor-financing-10gw"), rng=1)
    while model.date < "2027-06":
        model.step()
    lab, vendor = model.labs["frontier_lab_a"], model.chipmakers["incumbent_gpu"]
    deal = next(d for d in model.vendor.deals if d.lab == lab.account)
    stake = float(model.capital.stakes[vendor.account, lab.account])
    assert deal.invested_usd_bn > 0 and stake > 0
    carried = model.capital.stake_book.held_by(vendor.account)
    written_down = sum(float(e["detail"].split(" $bn")[0]) for e in model.event_log
                       if e["kind"] == "stake_impairment" and e["actors"] == "incumbent_gpu,frontier_lab_a")
    assert carried > 0 and carried + written_down == pytest.approx(deal.invested_usd_bn, rel=1e-3)
    monkeypatch.setattr(lab, "finance", lambda amount: 0.0)
    model.ledger.claims[(model.utilities["US"].account, lab.account)] += lab.cash_usd_bn + 500.0
    for _ in range(model.params.insolvency.grace_months + 1):
        model.step()
        if not lab.alive:
            break
    assert not lab.alive
    assert model.capital.stake_book.held_by(vendor.account) == 0.0
    written_off = {e["actors"] for e in model.event_log if e["kind"] == "stake_written_off"}
    assert {"incumbent_gpu,frontier_lab_a", "cloud_us_a,frontier_lab_a"} <= written_off, written_off
    losses = [loss for loss in model.insolvency.losses[vendor.account] if loss.counterparty == lab.account]
    vendor_losses = [loss for loss in losses if loss.channel is ExposureChannel.VENDOR_FINANCING]
    assert len(vendor_losses) == 1 and vendor_losses[0].amount_usd_bn > 0
    model.step()
    assert model.equity.market_value_of(lab.account) == 0.0
    events = [e for e in model.event_log if e["kind"] == "losses" and e["detail"].startswith("vendor financing:")]
    assert events and "incumbent_gpu" in events[-1]["actors"].split(",") and events[-1]["actors"].startswith(lab.name)
    assert np.isfinite(model.ledger.balances).all()
