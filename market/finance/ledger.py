"""The one ledger of the model (docs/ODD.md section 7, Ledger): every payment moves money between two accounts.

Account 0 is ``outside`` (households and firms outside the model). Only allow-listed payment kinds
may touch it. A payment never exceeds the payer's cash (``outside`` excepted): what cannot be paid
becomes a claim of the payee on the payer, settled later from the payer's cash. Flows of the
current step are kept by (payer, payee, kind); the history of every step is kept for audit.

Dividends are recorded through the share register (an account opened by :meth:`Ledger.open_share_register`, whose
balance never moves): each holder's cash moves when each firm pays it, as for any payment, but the step's flows list a
firm's payouts to the register and each holder's receipts from it, summed over the step. A holder's dividend from one
firm is its stake times the firm's payout (``market.finance.capital``). Every holder of every firm is paid each month,
so pairs would grow as holders x firms: 94% of a month's flows at ``run.scale`` 30.
"""

from __future__ import annotations

import numpy as np

from market.finance.claims import ClaimBook
from market.finance.in_turn import InTurnPayments
from market.finance.payments import (ACCOUNT_DTYPE, KIND_CODE, KIND_LIST, OUTSIDE, OUTSIDE_KINDS, PaymentKind, StepFlows,
                                     group_keys)

__all__ = ["KIND_CODE", "KIND_LIST", "OUTSIDE", "Ledger", "PaymentKind", "StepFlows"]


class Ledger(InTurnPayments):
    """Balances, claims and flows of every account.

    Payments are journaled as arrays during a step and aggregated by (payer, payee, kind) when the
    step closes; ``history[t]`` holds step t's flows (index 0: the starting endowments).

    Args:
        capacity: Number of accounts to reserve room for (grows as needed).
    """

    def __init__(self, capacity: int = 64) -> None:
        self.names: list[str] = ["outside"]
        self._balance = np.zeros(capacity)
        self._cum_in = np.zeros(capacity)
        self._cum_out = np.zeros(capacity)
        self.claims = ClaimBook()
        self.history: list[StepFlows] = []
        self.gross_turnover = 0.0
        self._chunks: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []
        self._singles: list[tuple[int, int, int, float]] = []
        self._flows_cache: tuple[tuple[int, int, int, int], StepFlows] | None = None
        self.register: int | None = None
        self._register_payments = 0
        self._paid_to_register = np.zeros(capacity)
        self._paid_by_register = np.zeros(capacity)

    @property
    def n_accounts(self) -> int:
        """Number of open accounts, ``outside`` included."""
        return len(self.names)

    def open_account(self, name: str) -> int:
        """Open an account with zero balance and return its index."""
        index = len(self.names)
        if index >= len(self._balance):
            grow = len(self._balance)
            for name_of_array in ("_balance", "_cum_in", "_cum_out", "_paid_to_register", "_paid_by_register"):
                setattr(self, name_of_array, np.concatenate([getattr(self, name_of_array), np.zeros(grow)]))
        self.names.append(name)
        return index

    def open_share_register(self) -> int:
        """Open the share register, through which dividends are recorded (see the module docstring); return its index."""
        if self.register is None:
            self.register = self.open_account("share register")
        return self.register

    @property
    def balances(self) -> np.ndarray:
        """Balances of all accounts (a read-only copy), ``outside`` at index 0."""
        return self._balance[: self.n_accounts].copy()

    def balances_of(self, accounts: np.ndarray) -> np.ndarray:
        """Balances of the given accounts (a copy)."""
        return self._balance[: self.n_accounts][accounts]

    def balance(self, account: int) -> float:
        """Return the cash of ``account``."""
        return float(self._balance[account])

    def audit_balances(self) -> np.ndarray:
        """Rebuild every balance from cumulative recorded inflows and outflows."""
        n = self.n_accounts
        return self._cum_in[:n] - self._cum_out[:n]

    @staticmethod
    def _check(payer: int, payee: int, kind: PaymentKind) -> None:
        if (payer == OUTSIDE or payee == OUTSIDE) and kind not in OUTSIDE_KINDS:
            raise ValueError(f"payment kind '{kind}' may not touch the outside account")
        if payer == payee:
            raise ValueError(f"account {payer} cannot pay itself")

    def _record(self, payer: int, payee: int, amount: float, kind: PaymentKind) -> None:
        self._check(payer, payee, kind)
        self._balance[payer] -= amount
        self._balance[payee] += amount
        self._cum_out[payer] += amount
        self._cum_in[payee] += amount
        self._singles.append((payer, payee, KIND_CODE[kind], amount))
        self.gross_turnover += amount

    def _record_many(self, payers: np.ndarray, payees: np.ndarray, amounts: np.ndarray, kind: PaymentKind) -> None:
        keep = amounts > 0
        payers, payees, amounts = payers[keep], payees[keep], amounts[keep]
        if amounts.size == 0:
            return
        self._move_many(payers, payees, amounts, kind)
        self._chunks.append((payers.astype(np.int64), payees.astype(np.int64), KIND_CODE[kind], amounts.astype(float)))

    def _move_many(self, payers: np.ndarray, payees: np.ndarray, amounts: np.ndarray, kind: PaymentKind) -> None:
        """Check and move the money of many payments (positive amounts), without journaling them."""
        self._move_money(payers, payees, amounts, kind)
        self.gross_turnover += float(amounts.sum())

    def _move_money(self, payers: np.ndarray, payees: np.ndarray, amounts: np.ndarray, kind: PaymentKind) -> None:
        """Check and move the money of many payments, in order, without journaling them or counting their turnover."""
        touches = (payers == OUTSIDE).any() or (payees == OUTSIDE).any()
        if touches and kind not in OUTSIDE_KINDS:
            raise ValueError(f"payment kind '{kind}' may not touch the outside account")
        if (payers == payees).any():
            raise ValueError("an account cannot pay itself")
        np.subtract.at(self._balance, payers, amounts)
        np.add.at(self._balance, payees, amounts)
        np.add.at(self._cum_out, payers, amounts)
        np.add.at(self._cum_in, payees, amounts)

    def pay(self, payer: int, payee: int, amount: float, kind: PaymentKind) -> float:
        """Pay what is owed: up to the payer's cash, the rest becomes the payee's claim on the payer.

        Returns:
            The amount actually paid now.
        """
        paid = self.pay_up_to(payer, payee, amount, kind)
        if amount - paid > 1e-12:
            self.claims[(payee, payer)] += amount - paid
        return paid

    def pay_up_to(self, payer: int, payee: int, amount: float, kind: PaymentKind) -> float:
        """Make a voluntary payment of at most the payer's cash; nothing unpaid becomes a claim."""
        if not amount > 0:
            return 0.0
        paid = amount if payer == OUTSIDE else min(amount, max(self.balance(payer), 0.0))
        if paid > 0:
            self._record(payer, payee, paid, kind)
        return paid

    def collect_from_many(self, payers: np.ndarray, payee: int, amounts: np.ndarray, kind: PaymentKind) -> np.ndarray:
        """Voluntary payments from many payers (never ``outside``) to one payee, each capped at its payer's cash.

        Returns:
            The amounts paid, aligned with ``payers``.
        """
        if (payers == OUTSIDE).any():
            raise ValueError("collect_from_many takes no payment from outside")
        paid = np.minimum(np.maximum(amounts, 0.0), np.maximum(self._balance[payers], 0.0))
        self._record_many(payers, np.full(payers.shape, payee), paid, kind)
        return paid

    def pay_to_many(self, payer: int, payees: np.ndarray, amounts: np.ndarray, kind: PaymentKind,
                    voluntary: bool = False) -> float:
        """Pay many payees at once, pro rata when cash is short; unless voluntary, shortfalls become claims.

        Returns:
            The total paid now.
        """
        amounts = np.maximum(np.asarray(amounts, dtype=float), 0.0)
        total = float(amounts.sum())
        if total <= 0:
            return 0.0
        fraction = 1.0 if payer == OUTSIDE else min(1.0, max(self.balance(payer), 0.0) / total)
        paid = amounts * fraction if fraction < 1.0 else amounts
        if kind is PaymentKind.DIVIDEND and self.register is not None:
            self._pay_through_register(payer, payees, paid)
        else:
            self._record_many(np.full(payees.shape, payer), payees, paid, kind)
        if not voluntary and paid is not amounts:
            self._claim_shortfalls(payer, payees, amounts - paid)
        return total if paid is amounts else float(paid.sum())

    def pay_to_many_pari_passu(self, payer: int, parts: list[tuple[np.ndarray, np.ndarray, PaymentKind]]) -> float:
        """Pay several groups of payees, each ``(payees, amounts, kind)``, as one: when cash is short every payee is paid
        the same share of what it is owed, and shortfalls become claims. Returns the total paid now."""
        owed = [np.maximum(np.asarray(amounts, dtype=float), 0.0) for _, amounts, _ in parts]
        total = float(sum(amounts.sum() for amounts in owed))
        if total <= 0:
            return 0.0
        fraction = 1.0 if payer == OUTSIDE else min(1.0, max(self.balance(payer), 0.0) / total)
        paid_total = 0.0
        for (payees, _, kind), amounts in zip(parts, owed, strict=True):
            paid = amounts * fraction if fraction < 1.0 else amounts
            self._record_many(np.full(payees.shape, payer), payees, paid, kind)
            paid_total += float(paid.sum())
            if paid is not amounts:
                self._claim_shortfalls(payer, payees, amounts - paid)
        return paid_total

    def _claim_shortfalls(self, payer: int, payees: np.ndarray, shortfalls: np.ndarray) -> None:
        """Each payee's shortfall above 1e-12 becomes its claim on ``payer`` (a payment made in full leaves none, and is
        not read)."""
        for payee, short in zip(payees, shortfalls, strict=True):
            if short > 1e-12:
                self.claims[(int(payee), payer)] += float(short)

    def _pay_through_register(self, payer: int, payees: np.ndarray, amounts: np.ndarray) -> None:
        """Move a firm's dividends to its holders and journal them as paid to, and received from, the share register."""
        keep = amounts > 0
        if not keep.all():
            payees, amounts = payees[keep], amounts[keep]
        if amounts.size == 0:
            return
        self._move_from_one(payer, payees, amounts, PaymentKind.DIVIDEND)
        paid = float(amounts.sum())
        self.gross_turnover += paid
        self._paid_to_register[payer] += paid
        np.add.at(self._paid_by_register, payees, amounts)
        self._register_payments += 1

    def _move_from_one(self, payer: int, payees: np.ndarray, amounts: np.ndarray, kind: PaymentKind) -> None:
        """:meth:`_move_money` for one payer: its balance and outflows take the amounts one by one, in order
        (``np.subtract.reduce`` runs left to right; x - (-a) is x + a exactly), as ``np.subtract.at`` and ``np.add.at``
        over a payer repeated would, at a fraction of the cost."""
        if (payer == OUTSIDE or (payees == OUTSIDE).any()) and kind not in OUTSIDE_KINDS:
            raise ValueError(f"payment kind '{kind}' may not touch the outside account")
        if (payees == payer).any():
            raise ValueError("an account cannot pay itself")
        self._balance[payer] = np.subtract.reduce(amounts, initial=self._balance[payer])
        np.add.at(self._balance, payees, amounts)
        self._cum_out[payer] = np.subtract.reduce(-amounts, initial=self._cum_out[payer])
        np.add.at(self._cum_in, payees, amounts)

    def transfer_simultaneously(self, payments: np.ndarray, kind: PaymentKind, payers_of_rows: np.ndarray | None = None) -> None:
        """Record a matrix of payments (row pays column) made at once, as a clearing does; ``payers_of_rows`` names the
        account of each row (default: row i is account i).

        Only the final balances must be non-negative: a node may pay out what it receives in the
        same clearing. Raises ValueError if a balance other than ``outside``'s would go negative.
        """
        rows, payees = np.nonzero(payments > 0)
        amounts = payments[rows, payees]
        payers = rows if payers_of_rows is None else np.asarray(payers_of_rows)[rows]
        after = self._balance[: self.n_accounts].copy()
        np.subtract.at(after, payers, amounts)
        np.add.at(after, payees, amounts)
        if (after[1:] < -1e-9 * max(self.gross_turnover, 1.0)).any():
            raise ValueError("a simultaneous transfer would overdraw an account")
        self._record_many(payers, payees, amounts, kind)

    def remove_claims_of(self, debtor: int) -> dict[int, float]:
        """Extinguish every claim on ``debtor``; return what each creditor held."""
        held = {c: a for (c, d), a in self.claims.items() if d == debtor}
        for creditor in held:
            del self.claims[(creditor, debtor)]
        return held

    def assign_claims_held_by(self, creditor: int, heirs: np.ndarray, weights: np.ndarray) -> None:
        """Pass every claim ``creditor`` holds to ``heirs`` in proportion to ``weights`` (summing to 1).

        An heir's share of a claim on itself is extinguished (it cannot owe itself).
        """
        held = {d: a for (c, d), a in self.claims.items() if c == creditor}
        for debtor, amount in held.items():
            del self.claims[(creditor, debtor)]
            for heir, weight in zip(heirs, weights, strict=True):
                if int(heir) != debtor and amount * weight > 0:
                    self.claims[(int(heir), debtor)] += amount * weight

    def settle_claims(self, debtor: int) -> float:
        """Pay the debtor's claims from its cash, pro rata to their size. Returns the amount paid."""
        owed = [(creditor, amount) for (creditor, d), amount in self.claims.items() if d == debtor and amount > 0]
        if not owed:
            return 0.0
        total = sum(amount for _, amount in owed)
        fraction = min(1.0, max(self.balance(debtor), 0.0) / total)
        if fraction <= 0:
            return 0.0
        paid_total = 0.0
        for creditor, amount in sorted(owed):
            paid = amount * fraction
            self._record(debtor, creditor, paid, PaymentKind.CLAIM_SETTLEMENT)
            remaining = amount - paid
            if remaining <= 1e-12:
                del self.claims[(creditor, debtor)]
            else:
                self.claims[(creditor, debtor)] = remaining
            paid_total += paid
        return paid_total

    def claims_payable(self, account: int) -> float:
        """Total the account owes as claims."""
        return self.claims.totals()[0].get(account, 0)

    def claims_receivable(self, account: int) -> float:
        """Total the account is owed as claims."""
        return self.claims.totals()[1].get(account, 0)

    def debtors(self) -> set[int]:
        """Accounts that owe a positive claim."""
        return {debtor for (_, debtor), amount in self.claims.items() if amount > 0}

    def total_claims(self) -> float:
        """Total of all claims outstanding."""
        return float(sum(self.claims.values()))

    def money_total(self) -> float:
        """Sum of every balance, ``outside`` included: constant exactly when the books balance."""
        return float(self._balance[: self.n_accounts].sum())

    def current_flows(self) -> StepFlows:
        """This step's flows so far, aggregated by (payer, payee, kind) (kept until the next payment: the journal only
        grows within a step)."""
        mark = (len(self._singles), len(self._chunks), self.n_accounts, self._register_payments)
        if self._flows_cache is not None and self._flows_cache[0] == mark:
            return self._flows_cache[1]
        flows = self._aggregate_flows()
        self._flows_cache = (mark, flows)
        return flows

    def _aggregate_flows(self) -> StepFlows:
        chunks = self._chunks
        if self._singles:
            single_payers, single_payees, single_kinds, single_amounts = zip(*self._singles, strict=True)
        else:
            single_payers = single_payees = single_kinds = single_amounts = ()
        if self._register_payments:
            chunks = [*chunks, *self._register_chunks()]
        payer = np.concatenate([np.array(single_payers, dtype=np.int64), *(c[0] for c in chunks)])
        payee = np.concatenate([np.array(single_payees, dtype=np.int64), *(c[1] for c in chunks)])
        kind = np.concatenate([np.array(single_kinds, dtype=np.int64),
                               np.repeat(np.array([c[2] for c in chunks], dtype=np.int64), [c[0].size for c in chunks])])
        amount = np.concatenate([np.array(single_amounts, dtype=float), *(c[3] for c in chunks)])
        n, n_kinds = max(self.n_accounts, 1), len(KIND_LIST)
        if n >= np.iinfo(ACCOUNT_DTYPE).max or n_kinds > np.iinfo(np.int8).max:
            raise OverflowError(f"{n} accounts or {n_kinds} payment kinds do not fit the archived flows' columns")
        first, inverse = group_keys((payer * n + payee) * n_kinds + kind)
        totals = np.bincount(inverse, weights=amount, minlength=first.size)
        return StepFlows(payer[first].astype(ACCOUNT_DTYPE), payee[first].astype(ACCOUNT_DTYPE),
                         kind[first].astype(np.int8), totals)

    def _register_chunks(self) -> list[tuple[np.ndarray, np.ndarray, int, np.ndarray]]:
        """The step's dividends as journal chunks: each firm's payouts to the register, each holder's receipts from it."""
        register, code = int(self.register), KIND_CODE[PaymentKind.DIVIDEND]
        firms = np.flatnonzero(self._paid_to_register)
        holders = np.flatnonzero(self._paid_by_register)
        return [(firms, np.full(firms.shape, register), code, self._paid_to_register[firms]),
                (np.full(holders.shape, register), holders, code, self._paid_by_register[holders])]

    def close_step(self) -> StepFlows:
        """Archive this step's flows and start an empty journal for the next step. Returns the archived flows."""
        closed = self.current_flows()
        self.history.append(closed)
        self._chunks, self._singles = [], []
        if self._register_payments:
            self._paid_to_register[:] = 0.0
            self._paid_by_register[:] = 0.0
            self._register_payments = 0
        self._flows_cache = None
        return closed
