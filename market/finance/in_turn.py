"""Payments made in turn in one pass: a month's dues (:meth:`InTurnPayments.pay_in_turn`) and instalments collected
from many payers (:meth:`InTurnPayments.collect_in_turn`), with the balances, flows, claims and turnover, bit for bit and
type for type, of the ledger's calls one by one (``tests/test_ledger.py``)."""

from __future__ import annotations

import functools
import operator

import numpy as np

from market.finance.payments import KIND_CODE, OUTSIDE, OUTSIDE_CODES, PaymentKind


PLAIN_FLOAT_TYPES = frozenset({float, np.float64})  # amounts the one pass takes (float32 would compute in float32 in the loop)


class InTurnPayments:
    """The ledger's payments in turn (a mixin of :class:`market.finance.ledger.Ledger`, whose balances, cumulative flows,
    journal, claims and turnover it moves)."""

    _balance: np.ndarray
    _cum_in: np.ndarray
    _cum_out: np.ndarray
    _singles: list[tuple[int, int, int, float]]
    _chunks: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]
    gross_turnover: float

    def pay_in_turn(self, payments: list[tuple[int, int, float, PaymentKind]]) -> None:
        """:meth:`pay` each (payer, payee, amount, kind) in turn, with the calls' float operations, order and types, so
        the same balances, journal, claims and turnover.

        When every payer's cash covers all it owes in the list (with a margin far above rounding) and every payment is
        allowed, nothing is capped and no claim arises: the payments are moved in one pass (:meth:`_pay_all_at_once`).
        Otherwise they are paid in a loop (:meth:`_pay_one_at_a_time`), as the calls would, a refused payment raising
        after those before it are paid.
        """
        if not self._pay_all_at_once(payments):
            self._pay_one_at_a_time(payments)

    def _pay_all_at_once(self, payments: list[tuple[int, int, float, PaymentKind]]) -> bool:
        """Pay every payment in one pass if none would be capped or refused (and every amount is a Python or numpy double,
        every account an integer and every kind known); return whether it did.

        Each account's balance and cumulative flows take the payments' additions in list order (one ``np.add.at`` over
        payer and payee entries interleaved: x + (-a) is x - a exactly), the journal lists each amount as given and the
        turnover adds them one by one (``functools.reduce``), so balances, flows, turnover and their types are those of the loop.
        """
        listed = [payment for payment in payments if payment[2] > 0]
        if not listed:
            return True
        count = len(listed)
        payers_listed, payees_listed, amounts_listed, kinds_listed = zip(*listed, strict=True)
        codes_listed = list(map(KIND_CODE.get, kinds_listed))
        if None in codes_listed or not all(map(PLAIN_FLOAT_TYPES.__contains__, map(type, amounts_listed))):
            return False
        payers, payees = np.array(payers_listed), np.array(payees_listed)
        if payers.dtype.kind != "i" or payees.dtype.kind != "i":
            return False
        codes, amounts = np.array(codes_listed, dtype=np.int64), np.array(amounts_listed, dtype=float)
        n = self.n_accounts
        if min(payers.min(), payees.min()) < 0 or max(payers.max(), payees.max()) >= n or (payers == payees).any():
            return False
        if (((payers == OUTSIDE) | (payees == OUTSIDE)) & ~OUTSIDE_CODES[codes]).any():
            return False
        inside = payers != OUTSIDE
        owed = np.bincount(payers[inside], weights=amounts[inside], minlength=n)
        cash = self._balance[:n]
        if not (cash - owed >= 1e-9 * np.maximum(cash, 1.0))[owed > 0].all():
            return False
        parties = np.empty(2 * count, dtype=np.int64)
        parties[0::2], parties[1::2] = payers, payees
        moved = np.empty(2 * count)
        moved[0::2], moved[1::2] = -amounts, amounts
        np.add.at(self._balance, parties, moved)
        np.add.at(self._cum_out, payers, amounts)
        np.add.at(self._cum_in, payees, amounts)
        self._singles.extend(zip(payers_listed, payees_listed, codes_listed, amounts_listed, strict=True))
        self.gross_turnover = functools.reduce(operator.add, amounts_listed, self.gross_turnover)
        return True

    def _pay_one_at_a_time(self, payments: list[tuple[int, int, float, PaymentKind]]) -> None:
        """:meth:`pay_in_turn`'s loop: the sums touched are held in dicts (a balance read as a Python float, written back
        at the loop's end or when a payment is refused), not read and written per payment."""
        balance, paid_out, paid_in = held = ({}, {}, {})
        arrays = self._balance, self._cum_out, self._cum_in
        journal, claims, turnover = self._singles.append, self.claims, self.gross_turnover
        try:
            for payer, payee, amount, kind in payments:
                if not amount > 0:
                    continue
                cash = balance.get(payer)
                if cash is None:
                    cash = balance[payer] = float(arrays[0][payer])
                paid = amount if payer == OUTSIDE else min(amount, max(float(cash), 0.0))
                if paid > 0:
                    self._check(payer, payee, kind)
                    if payee not in balance:
                        balance[payee] = float(arrays[0][payee])
                    if payer not in paid_out:
                        paid_out[payer] = float(arrays[1][payer])
                    if payee not in paid_in:
                        paid_in[payee] = float(arrays[2][payee])
                    balance[payer] = cash - paid
                    balance[payee] += paid
                    paid_out[payer] += paid
                    paid_in[payee] += paid
                    journal((payer, payee, KIND_CODE[kind], paid))
                    turnover += paid
                if amount - paid > 1e-12:
                    claims[(payee, payer)] += amount - paid
        finally:
            for sums, array in zip(held, arrays, strict=True):
                for account, value in sums.items():
                    array[account] = value
            self.gross_turnover = turnover

    def collect_in_turn(self, groups: list[tuple[np.ndarray, np.ndarray]], payee: int, kind: PaymentKind) -> list[float]:
        """``collect_from_many(payers, payee, amounts, kind)`` for each (payers, amounts) group in turn; return what
        each group paid in all.

        When every payer's cash covers all it is asked for (with a margin far above rounding), no payment is capped
        and the groups' payments are moved and journaled in one pass, in the same order, so balances, flows and
        totals are those of the calls one by one; otherwise (or when an amount is not a number, or a payer is not an
        open account other than ``outside``) the groups are collected one by one, as the calls would.
        """
        if not groups:
            return []
        payers = np.concatenate([group[0] for group in groups]).astype(np.int64)
        amounts = np.maximum(np.concatenate([group[1] for group in groups]).astype(float), 0.0)
        n = self.n_accounts
        valid = payers.size == 0 or (payers.min() > OUTSIDE and payers.max() < n and np.isfinite(amounts).all())
        asked = np.bincount(payers, weights=amounts, minlength=n) if valid else None
        cash = self._balance[:n]
        if asked is None or not (cash - asked >= 1e-9 * np.maximum(cash, 1.0))[asked > 0].all():
            return [float(self.collect_from_many(group_payers, payee, group_amounts, kind).sum())
                    for group_payers, group_amounts in groups]
        ends = np.cumsum([group[0].size for group in groups]).tolist()
        keep = amounts > 0
        everyone = bool(keep.all())
        paid, turnover, start = [], self.gross_turnover, 0
        for end in ends:
            paid.append(float(amounts[start:end].sum()))
            if everyone and end > start:
                turnover += paid[-1]
            elif not everyone and keep[start:end].any():
                turnover += float(amounts[start:end][keep[start:end]].sum())
            start = end
        payers, amounts = payers[keep], amounts[keep]
        if amounts.size:
            payees = np.full(payers.shape, payee, dtype=np.int64)
            self._move_money(payers, payees, amounts, kind)
            self._chunks.append((payers, payees, KIND_CODE[kind], amounts))
        self.gross_turnover = turnover
        return paid
