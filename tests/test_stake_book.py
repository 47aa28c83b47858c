"""Firms' stakes in other firms on the holders' books at cost less impairment (market/finance/stake_book.py): known
answers on a baseline model set by hand, and a vendor-financed lab's failure reaching its financier's book equity."""

from __future__ import annotations

import numpy as np
import pytest

from market.model import ComputeMarket
from market.parameters.scenario import load_scenario
from tests.conftest import model_after


def test_the_clouds_hold_their_stakes_in_the_labs_from_the_start() -> None:
    """The baseline starts with the clouds' stakes in the frontier labs at their sourced shares, the starting owners'
    shares scaled to what is left, each carried at its cost; the replay, starting in 2022, before the month the shares
    describe, starts without them. Fails if a stake is left out, a lab's shares do not add up to one or the carrying
    amounts are not the costs."""
    model = ComputeMarket(load_scenario("baseline"), rng=1)
    capital, labs = model.capital, model.labs
    expected = {("cloud_us_a", "frontier_lab_a"): (0.325, 13.0), ("cloud_us_b", "frontier_lab_b"): (0.13, 8.0),
                ("cloud_us_c", "frontier_lab_b"): (0.14, 3.0)}
    for (holder, firm), (share, cost) in expected.items():
        assert capital.stakes[labs[holder].account, labs[firm].account] == pytest.approx(share)
        assert capital.stake_book.carrying_usd_bn[(labs[holder].account, labs[firm].account)] == cost
    for firm in ("frontier_lab_a", "frontier_lab_b"):
        assert capital.stakes[:, labs[firm].account].sum() == pytest.approx(1.0)
    investors = model.investors.accounts
    assert capital.stakes[investors, labs["frontier_lab_b"].account].sum() == pytest.approx(1.0 - 0.13 - 0.14)
    replay = ComputeMarket(load_scenario("replay-2022"), rng=1)
    assert replay.capital.stake_book.carrying_usd_bn == {}


@pytest.fixture
def bought():
    """A baseline model after two months, then incumbent_gpu buying $5bn of new shares of frontier_lab_a."""
    model = model_after(2)
    maker, lab = model.chipmakers["incumbent_gpu"], model.labs["frontier_lab_a"]
    before = maker.book_equity_usd_bn()
    assert model.capital.invest_strategic(maker, lab, 5.0) == pytest.approx(5.0)
    return model, maker, lab, before


def _losses(book) -> dict[tuple[int, int], float]:
    """The write-downs of one quarter's test, by (holder, firm)."""
    return {(holder, firm): loss for holder, firm, loss in book.test()}


def _set_market_value(model: ComputeMarket, account: int, value_usd_bn: float) -> None:
    model.equity.market[model.equity._position[account]] = value_usd_bn


def test_buying_shares_moves_cash_into_the_stake_and_leaves_book_equity_as_it_was(bought) -> None:
    """$5bn of cash becomes a stake carried at its $5bn cost: book equity unchanged, book equity without stakes $5bn
    lower. Fails if the stake is left off the books (the buyer's book equity then fell by the price)."""
    model, maker, lab, before = bought
    assert model.capital.stake_book.held_by(maker.account) == pytest.approx(5.0)
    assert maker.book_equity_usd_bn() == pytest.approx(before, abs=1e-9)
    assert maker.own_book_equity_usd_bn() == pytest.approx(before - 5.0, abs=1e-9)
    assert model.capital.stake_book.held_by(lab.account) == 0.0


def test_a_stake_worth_less_than_its_cost_is_written_down_to_fair_value(bought) -> None:
    """With the lab's equity worth V, the stake's fair value is s V. A loss within the materiality share of the carrying
    amount is left; a larger one writes the stake down to s V, lowers the holder's book equity by the loss and is logged
    naming both firms. Fails if the test never writes down, writes down within materiality, or to another value."""
    model, maker, lab, before = bought
    book = model.capital.stake_book
    share = float(model.capital.stakes[maker.account, lab.account])
    materiality = model.params.finance.impairment_materiality_share
    _set_market_value(model, lab.account, 5.0 * (1.0 - 0.5 * materiality) / share)
    assert (maker.account, lab.account) not in _losses(book) and book.held_by(maker.account) == pytest.approx(5.0)
    _set_market_value(model, lab.account, 3.0 / share)
    assert _losses(book)[(maker.account, lab.account)] == pytest.approx(2.0)
    assert book.held_by(maker.account) == pytest.approx(3.0)
    assert maker.book_equity_usd_bn() == pytest.approx(before - 2.0, abs=1e-9)
    assert any(e["kind"] == "stake_impairment" and e["actors"] == "incumbent_gpu,frontier_lab_a" for e in model.event_log)
    _set_market_value(model, lab.account, 100.0 / share)
    assert (maker.account, lab.account) not in _losses(book)
    assert book.held_by(maker.account) == pytest.approx(3.0), "a write-down is never reversed"


def test_the_stakes_are_tested_at_a_quarter_s_end_only(bought, monkeypatch) -> None:
    """``run`` tests in March, June, September and December and not in the months between."""
    model, maker, lab, _ = bought
    share = float(model.capital.stakes[maker.account, lab.account])
    _set_market_value(model, lab.account, 1.0 / share)
    monkeypatch.setattr(ComputeMarket, "date", property(lambda self: "2025-02"))
    model.capital.stake_book.run()
    assert model.capital.stake_book.held_by(maker.account) == pytest.approx(5.0)
    monkeypatch.setattr(ComputeMarket, "date", property(lambda self: "2025-03"))
    model.capital.stake_book.run()
    assert model.capital.stake_book.held_by(maker.account) == pytest.approx(1.0)


def test_heirs_carry_a_failed_holder_s_stakes_at_fair_value(bought) -> None:
    """When the holder's stakes pass to its creditors (here one firm, cloud_us_d, takes all), the holder's carrying
    amount leaves its books and the heir carries what it received at s V, not at the holder's cost."""
    model, maker, lab, _ = bought
    heir = model.labs["cloud_us_d"]
    share = float(model.capital.stakes[maker.account, lab.account])
    _set_market_value(model, lab.account, 40.0 / share)
    model.capital.assign_stakes_held_by(maker.account, np.array([heir.account]), np.array([1.0]))
    assert model.capital.stake_book.held_by(maker.account) == 0.0
    assert model.capital.stake_book.carrying_usd_bn[(heir.account, lab.account)] == pytest.approx(40.0)
    assert model.capital.stake_book.held_by(heir.account) == pytest.approx(40.0)


def test_a_holder_s_own_value_is_floored_at_its_book_without_the_stakes(bought) -> None:
    """The stake's value reaches its holder through the cross-holdings, so the holder's own value (before them) is
    floored at its book equity without its stakes: carrying the stake at $1,000,000bn leaves it as it was. Fails if the
    floor counts the stakes (the own value would then be at least the carrying amount)."""
    model, maker, lab, _ = bought
    position = model.equity._position[maker.account]
    before = model.equity._own_values()[position]
    model.capital.stake_book.carrying_usd_bn[(maker.account, lab.account)] = 1e6
    assert model.equity._own_values()[position] == before < 1e6


def test_the_agent_table_s_book_equity_counts_the_stakes(bought) -> None:
    """The recorded book equity of a holder is ``book_equity_usd_bn()``, its stake included, at the month's end."""
    model, maker, _, _ = bought
    model.step()
    table = model.agent_recorder.table()
    row = table[(table["step"] == model.steps) & (table["name"] == maker.name)]
    assert model.capital.stake_book.held_by(maker.account) > 0
    assert float(row["book_equity_usd_bn"].iloc[0]) == pytest.approx(maker.book_equity_usd_bn(), abs=1e-9)


def test_an_heir_does_not_carry_its_own_shares_and_a_failed_holder_s_stakes_leave_the_book() -> None:
    """cloud_us_a's stake in frontier_lab_a passed to frontier_lab_a itself is cancelled, not carried; when cloud_us_a
    defaults, nothing it held stays on the book, and the quarter's test passes over dead holders. Fails if a firm
    carries a stake in itself or a dead firm keeps book equity in stakes."""
    model = model_after(1)
    cloud, lab = model.labs["cloud_us_a"], model.labs["frontier_lab_a"]
    book = model.capital.stake_book
    model.capital.assign_stakes_held_by(cloud.account, np.array([lab.account]), np.array([1.0]))
    assert (lab.account, lab.account) not in book.carrying_usd_bn and book.held_by(cloud.account) == 0.0
    model = model_after(1)
    cloud = model.labs["cloud_us_a"]
    model.insolvency.default([cloud])
    assert not cloud.alive and model.capital.stake_book.held_by(cloud.account) == 0.0


def test_starting_stakes_are_not_tested_in_the_first_month_and_a_share_of_0_switches_one_off() -> None:
    """A run starting in March (a quarter's end) does not write its starting stakes down in its first month, when
    values are still the starting books'; a stake set to a share of 0 is not held. Fails if the first month's book
    values write the stakes down or a switched-off stake is still carried."""
    model = ComputeMarket(load_scenario("baseline", [("run.start_date", "2025-03"), ("run.steps", 1)]), rng=1)
    model.step()
    assert not [e for e in model.event_log if e["kind"] == "stake_impairment"]
    assert model.capital.stake_book.held_by(model.labs["cloud_us_a"].account) == 13.0
    off = ComputeMarket(load_scenario("baseline", [("strategic_stakes.amazon_anthropic.share", 0.0)]), rng=1)
    assert off.capital.stake_book.held_by(off.labs["cloud_us_b"].account) == 0.0
    assert off.capital.stakes[off.labs["cloud_us_b"].account, off.labs["frontier_lab_b"].account] == 0.0
