"""Contagion channels: a lessor's exposure to its lessees, the cause of a default, and a neocloud's business."""

from __future__ import annotations

import numpy as np
import pytest

from market.enums import ExposureChannel
from market.finance.ledger import KIND_CODE, PaymentKind
from market.finance.losses import Loss
from market.model import ComputeMarket
from market.parameters.scenario import load_scenario


@pytest.fixture(scope="module")
def model_at_month_30() -> ComputeMarket:
    model = ComputeMarket(load_scenario("baseline"), rng=1)
    for _ in range(30):
        model.step()
    return model


def test_a_lab_that_sells_no_services_earns_only_from_leases(model_at_month_30) -> None:
    """The neocloud (``sells_services`` false) is paid nothing for AI services in any month, but is paid lease rents."""
    model = model_at_month_30
    neocloud = model.labs["cloud_us_d"].account
    services, leases = KIND_CODE[PaymentKind.AI_SERVICES], KIND_CODE[PaymentKind.LEASE]
    paid_for_services = sum(f.amount[(f.payee == neocloud) & (f.kind == services)].sum() for f in model.ledger.history)
    paid_in_rent = sum(f.amount[(f.payee == neocloud) & (f.kind == leases)].sum() for f in model.ledger.history)
    assert paid_for_services == 0.0
    assert paid_in_rent > 0.0
    assert model.labs["cloud_us_d"].served_eflops == 0.0


def test_exposures_include_each_lease_take_or_pay_payments(model_at_month_30) -> None:
    """A_ij counts, for lessor i and lessee j, min(months left, take_or_pay_claim_months) x the monthly payment."""
    model = model_at_month_30
    exposures, _, _ = model.insolvency.exposures()
    position = {int(a): i for i, a in enumerate(model.equity.accounts)}
    months = model.params.insolvency.take_or_pay_claim_months
    owed: dict[tuple[int, int], float] = {}
    for lease in model.leases.leases.values():
        key = (position[lease.lessor], position[lease.lessee])
        owed[key] = owed.get(key, 0.0) + min(lease.end_month - model.month, months) * lease.monthly_payment_usd_bn()
    assert owed, "the baseline has leases by month 30"
    for (i, j), amount in owed.items():
        assert exposures[i, j] >= amount - 1e-9
    assert (exposures >= 0).all()


def test_the_contagion_window_decides_whom_a_default_blames() -> None:
    """A loss 20 months before a default is blamed within a 24-month window and not within a 12-month one."""
    model = ComputeMarket(load_scenario("baseline", [("run.steps", 24)]), rng=1)
    for _ in range(22):
        model.step()
    firm, failed = model.labs["cloud_us_d"], model.labs["follower_000"]
    model.insolvency.losses[firm.account].append(Loss(model.month - 20, failed.account, 1.0, ExposureChannel.LOAN))
    assert list(model.insolvency.blamed_counterparties(firm)) == ["follower_000"]
    model.params.insolvency.contagion_window_months = 12
    assert model.insolvency.blamed_counterparties(firm) == {}


def test_a_defaulted_firm_keeps_no_cash() -> None:
    """What a default leaves after its creditors are paid goes to its shareholders: the firm's cash is zero at once."""
    stress = [("investors.total_capital_usd_bn", 50.0), ("investors.inflow_rate_per_month", 0.0),
              ("lab_behaviour.opex_share_of_revenue", 2.0), ("run.steps", 60)]
    model = ComputeMarket(load_scenario("baseline", stress), rng=3)
    firms = [*model.labs.values(), *model.chipmakers.values()]
    checked = 0
    while model.running:
        alive = {firm.account for firm in firms if firm.alive}
        model.step()
        for firm in firms:
            if firm.account in alive and not firm.alive:
                assert abs(firm.cash_usd_bn) < 1e-9, (firm.name, firm.cash_usd_bn)
                checked += 1
    assert checked > 0
    assert np.isfinite(model.ledger.balances).all()


def test_stakes_held_pass_to_heirs_and_a_firm_cannot_own_itself(model_at_month_30) -> None:
    """Firm A holds 20% of firm B; its heirs are B itself (1/2) and an investor (1/2). B's own half is cancelled:
    the investor ends with 0.1 / 0.9 of B and every other holder's share scales up by 1 / 0.9."""
    model = model_at_month_30
    capital = model.capital
    a, b = model.labs["follower_001"].account, model.labs["follower_002"].account
    investor = int(model.investors.accounts[0])
    column = capital.stakes[:, b] * 0.8
    column[a] += 0.2
    capital.set_register(b, column)
    others = column.copy()
    others[[a, investor]] = 0.0
    held_before = capital.stakes[investor, b]
    capital.assign_stakes_held_by(a, np.array([b, investor]), np.array([0.5, 0.5]))
    assert capital.stakes[a, b] == 0.0 and capital.stakes[b, b] == 0.0
    assert capital.stakes[investor, b] == pytest.approx((held_before + 0.1) / 0.9)
    assert np.allclose(np.delete(capital.stakes[:, b], [a, investor]), np.delete(others, [a, investor]) / 0.9)
    assert capital.stakes[:, b].sum() == pytest.approx(1.0)


def test_a_defaulted_chipmaker_sells_its_lines_at_home() -> None:
    """The challenger's capacity and capacity under construction pass to a US chipmaker; world capacity is conserved,
    the books still balance, and the buyer pays at most the fire-sale price."""
    from tests.invariants import check_invariants

    model = ComputeMarket(load_scenario("baseline", [("run.steps", 24)]), rng=2)
    initial = model.cohorts.gw[: model.cohorts.n].sum()
    for _ in range(12):
        model.step()
    makers = model.chipmakers

    def total() -> float:
        return sum(m.capacity_gw_per_month + sum(g for _, g in m.capacity_pipeline) for m in makers.values())
    before, book = total(), makers["challenger_gpu"].fixed_assets_usd_bn
    model.insolvency.default([makers["challenger_gpu"]])
    assert total() == pytest.approx(before)
    assert makers["challenger_gpu"].capacity_gw_per_month == 0.0 and not makers["challenger_gpu"].alive
    sale = [e for e in model.event_log if e["kind"] == "fire_sale" and e["actors"].startswith("challenger_gpu,")]
    assert len(sale) == 1
    buyer = makers[sale[0]["actors"].split(",")[1]]
    assert buyer.region == "US"
    paid = float(sale[0]["detail"].split(" for ")[1].split(" $bn")[0])
    assert paid <= round((1.0 - model.params.insolvency.fire_sale_discount) * book, 2) + 1e-9  # the log gives cents
    model.step()
    check_invariants(model, initial)


def test_a_lessor_books_the_lost_take_or_pay_rent_of_a_failed_lessee_and_blames_it() -> None:
    """A follower with no cash and no other debts, whose chips fetch nothing (a 100% fire-sale discount), defaults on its
    leases: each lessor's claim is min(months left, 12) months of rent per lease, clearing pays nothing, so each books
    that whole claim as a loss against the follower and names it as the counterparty to blame; the neocloud takes
    DebtRank distress min(1, claim / capital)."""
    model = ComputeMarket(load_scenario("baseline"), rng=1)
    for _ in range(24):
        model.step()
    lessor = model.labs["cloud_us_d"]
    lessee = next(model.agent_by_account(lease.lessee) for lease in model.leases.leases.values()
                  if lease.lessor == lessor.account and model.name_of(lease.lessee).startswith("follower"))
    leases = [lease for lease in model.leases.leases.values() if lease.lessee == lessee.account]
    model.params.insolvency.fire_sale_discount = 1.0
    model.capital.loans[:, lessee.account] = 0.0
    for key in [k for k in model.ledger.claims if lessee.account in k]:
        del model.ledger.claims[key]
    model.capital.pay_dividend(lessee, lessee.cash_usd_bn)
    claims: dict[int, float] = {}
    for lease in leases:
        claims[lease.lessor] = claims.get(lease.lessor, 0.0) + min(lease.end_month - model.month, 12) * lease.monthly_payment_usd_bn()
    _, capital, _ = model.insolvency.exposures()
    position = int(np.flatnonzero(model.equity.accounts == lessor.account)[0])
    distress_before = model.equity.distress[lessor.account]
    model.insolvency.default([lessee])
    for account, claim in claims.items():
        booked = [(loss.amount_usd_bn, loss.channel) for loss in model.insolvency.losses[account]
                  if loss.counterparty == lessee.account]
        assert booked == [(pytest.approx(claim), ExposureChannel.LEASE)]
    assert model.insolvency.blamed_counterparties(lessor) == {lessee.name: ["lease take-or-pay"]}
    assert not any(lease.id in model.leases.leases for lease in leases)
    assert model.equity.distress[lessor.account] == pytest.approx(max(distress_before, min(1.0, claims[lessor.account] / capital[position])))
