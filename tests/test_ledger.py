"""The ledger on hand-made cases and under random payment sequences (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agents.base import clipped
from market.finance.ledger import KIND_CODE, KIND_LIST, OUTSIDE, Ledger, PaymentKind
from market.finance.settlement import PRIORITY, Dues


def make_ledger(*cash: float) -> Ledger:
    ledger = Ledger(capacity=2)
    for i, amount in enumerate(cash):
        account = ledger.open_account(f"a{i}")
        ledger.pay(OUTSIDE, account, amount, PaymentKind.ENDOWMENT)
    return ledger


def test_payment_within_cash_moves_money() -> None:
    ledger = make_ledger(10.0, 0.0)
    assert ledger.pay(1, 2, 4.0, PaymentKind.CHIPS) == 4.0
    assert ledger.balance(1) == 6.0 and ledger.balance(2) == 4.0
    assert ledger.total_claims() == 0.0


def test_shortfall_becomes_a_claim_of_the_payee() -> None:
    ledger = make_ledger(3.0, 0.0)
    assert ledger.pay(1, 2, 5.0, PaymentKind.LEASE) == 3.0
    assert ledger.balance(1) == 0.0
    assert ledger.claims[(2, 1)] == pytest.approx(2.0)
    assert ledger.claims_payable(1) == pytest.approx(2.0) and ledger.claims_receivable(2) == pytest.approx(2.0)


def test_claims_settle_pro_rata_when_cash_arrives() -> None:
    ledger = make_ledger(0.0, 0.0, 0.0)
    ledger.pay(1, 2, 3.0, PaymentKind.CHIPS)
    ledger.pay(1, 3, 1.0, PaymentKind.POWER)
    ledger.pay(OUTSIDE, 1, 2.0, PaymentKind.AI_SERVICES)
    assert ledger.settle_claims(1) == pytest.approx(2.0)
    assert ledger.claims[(2, 1)] == pytest.approx(1.5) and ledger.claims[(3, 1)] == pytest.approx(0.5)
    ledger.pay(OUTSIDE, 1, 5.0, PaymentKind.AI_SERVICES)
    ledger.settle_claims(1)
    assert ledger.total_claims() == 0.0 and ledger.balance(1) == pytest.approx(3.0)


def test_only_allow_listed_kinds_touch_outside() -> None:
    ledger = make_ledger(5.0)
    with pytest.raises(ValueError, match="may not touch the outside"):
        ledger.pay(1, OUTSIDE, 1.0, PaymentKind.CHIPS)
    with pytest.raises(ValueError, match="may not touch the outside"):
        ledger.pay(OUTSIDE, 1, 1.0, PaymentKind.EQUITY)


def test_outside_can_always_pay_and_goes_negative() -> None:
    ledger = make_ledger()
    account = ledger.open_account("x")
    ledger.pay(OUTSIDE, account, 7.0, PaymentKind.AI_SERVICES)
    assert ledger.balance(OUTSIDE) == -7.0 and ledger.money_total() == 0.0


def test_voluntary_payments_never_create_claims() -> None:
    ledger = make_ledger(2.0, 1.0, 0.0)
    paid = ledger.collect_from_many(np.array([1, 2]), 3, np.array([5.0, 0.5]), PaymentKind.EQUITY)
    assert paid.tolist() == [2.0, 0.5] and ledger.total_claims() == 0.0
    assert ledger.pay_up_to(2, 3, 9.0, PaymentKind.DIVIDEND) == 0.5


def test_pay_to_many_prorates_and_records_shortfalls() -> None:
    ledger = make_ledger(3.0, 0.0, 0.0)
    paid = ledger.pay_to_many(1, np.array([2, 3]), np.array([4.0, 2.0]), PaymentKind.INTEREST)
    assert paid == pytest.approx(3.0)
    assert ledger.balance(2) == pytest.approx(2.0) and ledger.balance(3) == pytest.approx(1.0)
    assert ledger.claims[(2, 1)] == pytest.approx(2.0) and ledger.claims[(3, 1)] == pytest.approx(1.0)


def test_flows_are_kept_by_payer_payee_kind_per_step() -> None:
    ledger = make_ledger(10.0, 0.0)
    ledger.close_step()
    ledger.pay(1, 2, 1.0, PaymentKind.CHIPS)
    ledger.pay(1, 2, 2.0, PaymentKind.CHIPS)
    ledger.pay(1, 2, 0.5, PaymentKind.LEASE)
    flows = ledger.close_step().as_dict()
    assert flows == {(1, 2, PaymentKind.CHIPS): 3.0, (1, 2, PaymentKind.LEASE): 0.5}
    assert len(ledger.history) == 2


def test_dividends_are_listed_through_the_share_register() -> None:
    """Two firms (1, 2) pay dividends to three holders (3, 4, 5): each holder's cash moves by what each firm pays it,
    money is conserved, and the step lists one row per firm to the register and one per holder from it (holder 4,
    paid by both, receives 1.5 + 0.5 = 2.0), 5 rows instead of the 6 pairs. The register's balance never moves, and
    the balances rebuilt from the archived flows equal the ledger's. Fails if a pair is archived, a holder's receipts
    are not summed over firms, or the register's cash moves."""
    ledger = make_ledger(10.0, 10.0, 0.0, 0.0, 0.0)
    register = ledger.open_share_register()
    ledger.close_step()
    assert ledger.pay_to_many(1, np.array([3, 4]), np.array([1.0, 1.5]), PaymentKind.DIVIDEND, voluntary=True) == 2.5
    assert ledger.pay_to_many(2, np.array([4, 5]), np.array([0.5, 2.0]), PaymentKind.DIVIDEND, voluntary=True) == 2.5
    assert [ledger.balance(a) for a in (1, 2, 3, 4, 5, register)] == [7.5, 7.5, 1.0, 2.0, 2.0, 0.0]
    assert ledger.money_total() == 0.0
    flows = ledger.close_step().as_dict()
    dividend = PaymentKind.DIVIDEND
    assert flows == {(1, register, dividend): 2.5, (2, register, dividend): 2.5, (register, 3, dividend): 1.0,
                     (register, 4, dividend): 2.0, (register, 5, dividend): 2.0}
    rebuilt = np.zeros(ledger.n_accounts)
    for step in ledger.history:
        np.subtract.at(rebuilt, step.payer, step.amount)
        np.add.at(rebuilt, step.payee, step.amount)
    assert rebuilt.tolist() == ledger.balances.tolist()
    ledger.pay_to_many(1, np.array([3]), np.array([1.0]), PaymentKind.DIVIDEND, voluntary=True)
    assert ledger.close_step().as_dict() == {(1, register, dividend): 1.0, (register, 3, dividend): 1.0}


def test_a_month_s_dividend_rows_grow_with_firms_plus_holders() -> None:
    """Baseline at ``run.scale`` 1 and 4, one month: the month's dividend rows are at most the firms plus the investors
    (every investor holds every follower, so pairs would be about investors x firms). Fails if dividends are archived
    by pair."""
    from market.model import ComputeMarket
    from market.parameters.scenario import load_scenario

    for scale in (1.0, 4.0):
        model = ComputeMarket(load_scenario("baseline", [("run.scale", scale), ("run.steps", 1)]), rng=1)
        model.step()
        flows = model.ledger.history[-1]
        dividends = int((flows.kind == KIND_CODE[PaymentKind.DIVIDEND]).sum())
        assert 0 < dividends <= len(model.equity.firms) + len(model.investors.accounts), (scale, dividends)


KINDS = [PaymentKind.CHIPS, PaymentKind.LEASE, PaymentKind.POWER, PaymentKind.INTEREST]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 5), st.lists(st.integers(1, 5), min_size=1, max_size=4),
                          st.floats(0.001, 10.0), st.integers(0, 3)), max_size=30))
def test_a_step_s_flows_sum_each_payer_payee_kind_in_journal_order_sorted_by_key(payments) -> None:
    """Single payments and payments to many mixed in one step aggregate to one row per (payer, payee, kind), rows in
    ascending (payer, payee, kind) order, each total the sequential sum (bit for bit) of the single payments in the order
    made, then of the payments to many in the order made. Fails if the rows lose their order, a kind or account is
    decoded wrongly, or rows are summed in another order."""
    ledger = make_ledger(*[1e6] * 5)
    ledger.close_step()
    singles: list[tuple[tuple[int, int, int], float]] = []
    to_many_rows: list[tuple[tuple[int, int, int], float]] = []
    for to_many, payer, payees, amount, kind in payments:
        payees = sorted({p for p in payees if p != payer})
        if not payees:
            continue
        if to_many:
            ledger.pay_to_many(payer, np.array(payees), np.full(len(payees), amount), KINDS[kind])
        else:
            payees = payees[:1]
            ledger.pay(payer, payees[0], amount, KINDS[kind])
        (to_many_rows if to_many else singles).extend(((payer, payee, kind), amount) for payee in payees)
    expected: dict[tuple[int, int, int], float] = {}
    for key, amount in singles + to_many_rows:
        expected[key] = expected.get(key, 0.0) + amount
    flows = ledger.close_step()
    keys = [(int(p), int(q), KINDS.index(KIND_LIST[int(k)]))
            for p, q, k in zip(flows.payer, flows.payee, flows.kind, strict=True)]
    order = sorted(expected, key=lambda key: (key[0], key[1], KIND_CODE[KINDS[key[2]]]))
    assert keys == order
    assert flows.amount.tolist() == [expected[key] for key in order]


@settings(max_examples=60, deadline=None)
@given(
    cash=st.lists(st.floats(0, 100), min_size=2, max_size=6),
    payments=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 80), st.integers(0, 3)), max_size=60),
)
def test_random_payments_conserve_money_and_never_overdraw(cash, payments) -> None:
    ledger = make_ledger(*cash)
    n = len(cash)
    for payer, payee, amount, kind in payments:
        payer, payee = payer % n + 1, payee % n + 1
        if payer == payee:
            continue
        ledger.pay(payer, payee, amount, KINDS[kind])
        if kind == 0:
            ledger.settle_claims(payer)
    balances = ledger.balances
    assert abs(balances.sum()) <= 1e-9 * max(ledger.gross_turnover, 1.0)
    assert (balances[1:] >= -1e-12).all()
    assert np.allclose(ledger.audit_balances(), balances, atol=1e-9)
    assert all(v > 0 for v in ledger.claims.values())



def test_claims_held_pass_to_heirs_pro_rata_and_a_claim_on_oneself_vanishes() -> None:
    """Account 1 holds claims of 4 on account 2 and 2 on account 3; heirs 2 and 4 take 3/4 and 1/4."""
    ledger = make_ledger(0.0, 0.0, 0.0, 0.0)
    ledger.pay(2, 1, 4.0, PaymentKind.LEASE)
    ledger.pay(3, 1, 2.0, PaymentKind.LEASE)
    ledger.assign_claims_held_by(1, np.array([2, 4]), np.array([0.75, 0.25]))
    assert ledger.claims_receivable(1) == 0.0
    assert ledger.claims[(4, 2)] == pytest.approx(1.0)
    assert (2, 2) not in ledger.claims
    assert ledger.claims[(2, 3)] == pytest.approx(1.5) and ledger.claims[(4, 3)] == pytest.approx(0.5)
    assert ledger.total_claims() == pytest.approx(3.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("add", "set", "delete", "settle")), st.integers(1, 4), st.integers(1, 4),
                          st.floats(0.001, 50.0)), max_size=40))
def test_claim_totals_follow_every_change_to_the_claims(operations) -> None:
    """Totals owed by and to each account are kept per version of the claims; after any sequence of claims added, set,
    deleted and settled they equal a scan of the claims, bit for bit. Fails if a change does not invalidate the kept
    totals."""
    ledger = make_ledger(0.0, 5.0, 3.0, 1.0, 8.0)
    for operation, creditor, debtor, amount in operations:
        if creditor == debtor:
            continue
        key = (creditor, debtor)
        if operation == "add":
            ledger.claims[key] += amount
        elif operation == "set":
            ledger.claims[key] = amount
        elif operation == "delete":
            ledger.claims.pop(key, None)
        else:
            ledger.settle_claims(debtor)
        for account in range(5):
            assert ledger.claims_payable(account) == sum(a for (_, d), a in ledger.claims.items() if d == account)
            assert ledger.claims_receivable(account) == sum(a for (c, _), a in ledger.claims.items() if c == account)
        assert ledger.debtors() == {d for (_, d), a in ledger.claims.items() if a > 0}


def test_archived_flows_take_17_bytes_each() -> None:
    """A step's archived flows name accounts in 4 bytes and kinds in 1 (a market of 10,000 agents archives millions of
    dividend flows a month: int64 doubled the history's memory). Fails if the history widens its columns."""
    ledger = make_ledger(10.0, 0.0, 0.0)
    ledger.pay_to_many(1, np.array([2, 3]), np.array([1.0, 2.0]), PaymentKind.DIVIDEND)
    flows = ledger.close_step()
    assert flows.payer.dtype == np.int32 and flows.payee.dtype == np.int32 and flows.kind.dtype == np.int8
    assert flows.payer.itemsize + flows.payee.itemsize + flows.kind.itemsize + flows.amount.itemsize == 17


@settings(max_examples=200, deadline=None)
@given(cash=st.lists(st.floats(0.0, 50.0), min_size=3, max_size=6),
       groups=st.lists(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.floats(-1.0, 8.0), st.just(float("nan")))),
                                max_size=5), max_size=8),
       scale=st.sampled_from([1e-3, 1.0, 10.0]))
def test_collecting_groups_in_turn_equals_collecting_them_one_by_one(cash, groups, scale) -> None:
    """collect_in_turn (a month's plant instalments from energy funds in one pass) leaves balances, audited balances,
    the month's flows and turnover bit for bit as collect_from_many group by group does, and returns each group's
    total paid, whether cash covers every payment (one pass) or some are capped (one by one), with a payer asked twice in
    a group or an amount that is not a number. Fails if the pass reorders payments, caps or sums differently, or if it
    ran when a payer's cash is short."""
    in_turn, one_by_one = make_ledger(*cash), make_ledger(*cash)
    n = len(cash)
    arrays = [(np.array([1 + account % n for account, _ in group], dtype=np.int64),
               np.array([amount * scale for _, amount in group])) for group in groups]
    paid = in_turn.collect_in_turn(arrays, OUTSIDE, PaymentKind.GENERATION_CAPEX)
    expected = [float(one_by_one.collect_from_many(payers, OUTSIDE, amounts, PaymentKind.GENERATION_CAPEX).sum())
                for payers, amounts in arrays]
    assert np.array_equal(paid, expected, equal_nan=True)
    assert in_turn.balances.tolist() == one_by_one.balances.tolist()
    assert in_turn.audit_balances().tolist() == one_by_one.audit_balances().tolist()
    assert in_turn.gross_turnover == one_by_one.gross_turnover
    for column in ("payer", "payee", "kind", "amount"):
        assert np.array_equal(getattr(in_turn.current_flows(), column), getattr(one_by_one.current_flows(), column),
                              equal_nan=column == "amount")


@settings(max_examples=300, deadline=None)
@given(cash=st.lists(st.floats(0.0, 50.0), min_size=3, max_size=6),
       payments=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.one_of(st.floats(-1.0, 30.0), st.just(float("nan"))),
                                   st.booleans(),
                                   st.sampled_from([PaymentKind.CHIPS, PaymentKind.LEASE, PaymentKind.POWER, PaymentKind.OPEX])),
                         max_size=25))
@example(cash=[0.0, 10.0, 0.0, 0.0, 0.0],
         payments=[(2, 1, 0.5, True, PaymentKind.CHIPS), (1, 2, 1.5, False, PaymentKind.CHIPS),
                   (1, 5, 0.3, False, PaymentKind.LEASE), (1, 3, 0.3, False, PaymentKind.POWER),
                   (1, 4, 0.3, False, PaymentKind.OPEX)])
@example(cash=[0.0, 10.0, 5.0, 0.0, 0.0],
         payments=[(1, 2, 0.1, True, PaymentKind.CHIPS), (0, 3, 0.7, False, PaymentKind.CHIPS),
                   (2, 1, 0.2, False, PaymentKind.LEASE), (3, 4, 0.3, True, PaymentKind.LEASE),
                   (1, 2, 3.0, False, PaymentKind.POWER), (2, 0, 1.1, True, PaymentKind.OPEX)])
def test_paying_in_turn_equals_paying_one_by_one(cash, payments) -> None:
    """pay_in_turn (a month's dues in priority order) leaves balances, audited balances, claims (values and types: a
    numpy claim would switch ``sum`` over claims to plain addition), the month's flows and turnover bit for bit as pay
    does call by call, with payers short of cash (claims), a payee paying later in the list with what it was paid,
    outside paying, amounts that are numpy or Python floats, zero, negative or not a number, and a payment refused (a
    kind that may not touch outside, an account paying itself): the refused payment raises, and what was paid before it
    stays paid. The second example has every payer's cash cover what it owes (paid in one pass). Fails if the loop or
    the pass reorders, caps or adds differently, changes a type, runs the pass when a payer is short, or loses the
    payments made before a refusal."""
    in_turn, one_by_one = make_ledger(*cash), make_ledger(*cash)
    n = len(cash)
    listed = [(payer % (n + 1), payee % (n + 1), np.float64(amount) if numpy else amount, kind)
              for payer, payee, amount, numpy, kind in payments]
    refused = []
    for pay_all in (lambda: in_turn.pay_in_turn(listed), lambda: [one_by_one.pay(*payment) for payment in listed]):
        try:
            pay_all()
        except ValueError as error:
            refused.append(str(error))
    assert len(refused) in (0, 2) and len(set(refused)) <= 1
    assert in_turn.balances.tolist() == one_by_one.balances.tolist()
    assert in_turn.audit_balances().tolist() == one_by_one.audit_balances().tolist()
    assert {key: (value, type(value)) for key, value in in_turn.claims.items()} == {
        key: (value, type(value)) for key, value in one_by_one.claims.items()}
    assert in_turn.total_claims() == one_by_one.total_claims()
    assert in_turn.gross_turnover == one_by_one.gross_turnover and type(in_turn.gross_turnover) is type(one_by_one.gross_turnover)
    for column in ("payer", "payee", "kind", "amount"):
        assert np.array_equal(getattr(in_turn.current_flows(), column), getattr(one_by_one.current_flows(), column))


@given(dues=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.one_of(st.floats(-1.0, 5.0), st.just(float("nan"))),
                               st.sampled_from([PaymentKind.LEASE, PaymentKind.POWER, PaymentKind.OPEX])), max_size=12))
def test_dues_added_many_at_once_are_those_added_one_by_one(dues) -> None:
    """Dues.add_many keeps the dues add would keep (positive amounts), in the same order; a kind not settled through
    dues is refused before any is added. Fails if it reorders, keeps a due add drops, or adds part of a refused list."""
    at_once, one_by_one = Dues(), Dues()
    at_once.add_many(dues)
    for due in dues:
        one_by_one.add(*due)
    assert at_once.items == one_by_one.items
    with pytest.raises(ValueError, match="dividend"):
        at_once.add_many([(1, 2, 1.0, PaymentKind.LEASE), (1, 2, 1.0, PaymentKind.DIVIDEND)])
    assert at_once.items == one_by_one.items


@given(dues=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.floats(0.1, 5.0), st.sampled_from(PRIORITY)),
                     max_size=20))
def test_dues_are_paid_by_priority_then_in_the_order_added(dues) -> None:
    """Dues.settle hands the ledger every due grouped by kind in PRIORITY order (chips first, opex last) and, within a
    kind, in the order added: a stable sort by priority. Fails if the order within a kind or across kinds changes."""
    book = Dues()
    book.add_many(dues)

    class Recorder:
        paid: list = []

        def pay_in_turn(self, items: list) -> None:
            self.paid = list(items)

    ledger = Recorder()
    book.settle(ledger)
    assert ledger.paid == sorted(dues, key=lambda due: PRIORITY.index(due[3]))
    assert book.items == []


@given(value=st.floats(allow_nan=True), low=st.floats(-10.0, 10.0), width=st.floats(-1.0, 20.0))
@example(value=-0.0, low=0.0, width=1.0)
@example(value=0.0, low=-0.0, width=0.0)
def test_a_number_clipped_is_numpy_s_clip_bit_for_bit(value, low, width) -> None:
    """clipped (a lab's expected growth and inference share) equals float(np.clip(...)) in value, sign and NaN, an
    empty range (high below low) included. Fails if its order of max and min or its treatment of ties changes."""
    high = low + width
    expected = float(np.clip(value, low, high))
    got = clipped(value, low, high)
    assert type(got) is float
    assert (np.isnan(got) and np.isnan(expected)) or (got == expected and np.signbit(got) == np.signbit(expected))


@settings(max_examples=200, deadline=None)
@given(cash=st.lists(st.floats(0.0, 50.0), min_size=3, max_size=6),
       payouts=st.lists(st.tuples(st.integers(1, 6), st.lists(st.tuples(st.integers(1, 6), st.floats(-1.0, 9.0)), max_size=40)),
                        max_size=6))
def test_dividends_through_the_register_move_money_as_direct_payments_do(cash, payouts) -> None:
    """A firm's dividends paid through the share register leave every balance, audited balance, total paid and the
    turnover bit for bit as the same payments made directly (payer to each holder, ``np.subtract.at`` over the payer
    repeated), whether the firm's cash covers them or they are cut pro rata. Fails if the payer's balance or outflows
    take the amounts in another order or grouping, or the turnover or a total is summed differently."""
    through, direct = make_ledger(*cash), make_ledger(*cash)
    through.open_share_register()
    direct.open_account("no register")
    n = len(cash)
    for payer, holdings in payouts:
        payer = 1 + payer % n
        holders = [(1 + h % n, amount) for h, amount in holdings if 1 + h % n != payer]
        payees = np.array([h for h, _ in holders], dtype=np.int64)
        amounts = np.array([a for _, a in holders])
        paid = [ledger.pay_to_many(payer, payees, amounts, PaymentKind.DIVIDEND, voluntary=True) for ledger in (through, direct)]
        assert paid[0] == paid[1]
    assert through.balances.tolist() == direct.balances.tolist()
    assert through.audit_balances().tolist() == direct.audit_balances().tolist()
    assert through.gross_turnover == direct.gross_turnover


def test_dues_the_one_pass_cannot_take_are_paid_in_the_loop() -> None:
    """A kind the ledger does not know leaves the ledger as paying one by one does (the error where it raises, after the
    payments before it); a float32 amount, which the loop subtracts in float32, is left to the loop too. Fails if the
    one pass takes them."""
    in_loop = make_ledger(10.0, 1.0, 0.0)
    in_loop.pay_in_turn([(1, 2, np.float32(0.1), PaymentKind.CHIPS)])
    assert in_loop.balance(1) == float(np.float32(10.0 - np.float32(0.1)))
    cases = [[(1, 2, 0.5, PaymentKind.CHIPS), (1, 3, 0.5, "not a kind")]]
    for payments in cases:
        in_turn, one_by_one = make_ledger(10.0, 1.0, 0.0), make_ledger(10.0, 1.0, 0.0)
        errors = []
        for pay_all in (lambda: in_turn.pay_in_turn(payments), lambda: [one_by_one.pay(*payment) for payment in payments]):
            try:
                pay_all()
            except (KeyError, IndexError, ValueError) as error:
                errors.append(type(error))
        assert len(errors) in (0, 2) and len(set(errors)) <= 1, (payments, errors)
        assert in_turn.balances.tolist() == one_by_one.balances.tolist(), payments
        assert in_turn.audit_balances().tolist() == one_by_one.audit_balances().tolist(), payments
