"""Firms' trailing accounts: the last two years of monthly revenue, costs, depreciation and core income, read by the DCF.

Each month every account's flows are summed from the ledger by kind:

- revenue R: AI services, leases, chips and power sold (``REVENUE``);
- operating costs C: leases, power, maintenance, opex, chip production, generation opex and fab partners' share of margin paid
  (``OPERATING_COSTS``);
- depreciation D of the firm's fixed assets (chips and buildings, fabs, generation);
- capital in service K at the month's end (a stock; the sales-to-capital ratio is TTM revenue over its TTM mean);
- core-business income O (labs' businesses outside AI) and the AI-services part of revenue.

A firm is valued on its trailing twelve months (TTM, the analysts' convention; fewer in the first year):
revenue per year 12 mean(R), operating margin m = sum(R - C - D) / sum(R), core income 12 mean(O).
Its expected revenue growth compares the last twelve months with the twelve before,
g = sum_{last 12} R / sum_{12 before} R - 1. With k < 24 months recorded, w = floor(k / 2) months on each side:
g = (w / 12) g_w + (1 - w / 12) g_0, g_w = (sum_{last w} R / sum_{w before} R)^(12 / w) - 1 and g_0 the firm's
current expectation, so one noisy month never sets a valuation. g is clipped to [-0.9, g_max].
"""

from __future__ import annotations

from collections import deque
from enum import IntEnum

import numpy as np

from market.finance.ledger import KIND_CODE, PaymentKind, StepFlows

REVENUE = (PaymentKind.AI_SERVICES, PaymentKind.LEASE, PaymentKind.CHIPS, PaymentKind.POWER)
OPERATING_COSTS = (PaymentKind.LEASE, PaymentKind.POWER, PaymentKind.MAINTENANCE, PaymentKind.OPEX,
                   PaymentKind.CHIP_PRODUCTION, PaymentKind.GENERATION_OPEX, PaymentKind.FAB_PARTNER_SHARE)
TRAILING_MONTHS = 12
MIN_GROWTH = -0.9


class Line(IntEnum):
    """Rows of one month's record."""

    REVENUE = 0
    COSTS = 1
    CORE = 2
    AI_SERVICES = 3
    DEPRECIATION = 4
    CAPITAL = 5


def sum_flows(flows: StepFlows, depreciation: np.ndarray, capital: np.ndarray | None = None) -> np.ndarray:
    """One month's record: a (lines x accounts) array of revenue, operating costs, core income and AI revenue, with each
    account's ``depreciation`` and its ``capital`` in service at the month's end (a stock, zeros when not given)."""
    n_accounts = len(depreciation)
    record = np.zeros((len(Line), n_accounts))
    record[Line.DEPRECIATION] = depreciation
    if capital is not None:
        record[Line.CAPITAL] = capital
    for line, kinds, side in ((Line.REVENUE, REVENUE, flows.payee), (Line.COSTS, OPERATING_COSTS, flows.payer),
                              (Line.CORE, (PaymentKind.CORE_BUSINESS_INCOME,), flows.payee),
                              (Line.AI_SERVICES, (PaymentKind.AI_SERVICES,), flows.payee)):
        mask = np.isin(flows.kind, [KIND_CODE[k] for k in kinds])
        np.add.at(record[line], side[mask], flows.amount[mask])
    return record


class TrailingAccounts:
    """The last ``2 x 12`` months of every account's record (see the module docstring for the rules).

    Args:
        n_accounts: Number of ledger accounts.
    """

    def __init__(self, n_accounts: int) -> None:
        self.n_accounts = n_accounts
        self.months: deque[np.ndarray] = deque(maxlen=2 * TRAILING_MONTHS)
        self._cash_flows: dict[bool, np.ndarray] = {}

    def record(self, flows: StepFlows, depreciation: np.ndarray, capital: np.ndarray | None = None) -> None:
        """Add a finished month's flows, each account's depreciation and the capital it has in service."""
        self.add_record(sum_flows(flows, depreciation, capital))

    def add_record(self, record: np.ndarray) -> None:
        """Add a finished month's (lines x accounts) record (:func:`sum_flows`)."""
        self.months.append(record)
        self._cash_flows.clear()

    @property
    def count(self) -> int:
        """Months recorded (at most 24 kept)."""
        return len(self.months)

    def last_month(self, line: Line) -> np.ndarray:
        """One line of the latest month (zeros before the first)."""
        return self.months[-1][line] if self.months else np.zeros(self.n_accounts)

    def _window(self, start: int, stop: int) -> np.ndarray:
        """Sum of months ``start`` to ``stop`` counted back from the latest (0 = latest), all lines."""
        recent = list(self.months)[::-1][start:stop]
        return np.sum(recent, axis=0) if recent else np.zeros((len(Line), self.n_accounts))

    def cash_flow_per_month(self, after_depreciation: bool = False) -> np.ndarray:
        """Mean monthly operating cash flow R + O - C over the TTM months (before interest; zeros before the first);
        with ``after_depreciation``, operating profit R + O - C - D."""
        if (cached := self._cash_flows.get(after_depreciation)) is not None:
            return cached
        window = min(self.count, TRAILING_MONTHS)
        if window == 0:
            return np.zeros(self.n_accounts)
        record = self._window(0, window)
        flow = record[Line.REVENUE] + record[Line.CORE] - record[Line.COSTS]
        self._cash_flows[after_depreciation] = (flow - record[Line.DEPRECIATION] if after_depreciation else flow) / window
        return self._cash_flows[after_depreciation]

    def per_year(self, line: Line) -> np.ndarray:
        """TTM amount of one line, annualised from the months there are (12 x the monthly mean)."""
        window = min(self.count, TRAILING_MONTHS)
        if window == 0:
            return np.zeros(self.n_accounts)
        return self._window(0, window)[line] * 12.0 / window

    def average_capital(self) -> np.ndarray:
        """Mean capital in service over the TTM months (the denominator of a return or turnover over the period)."""
        window = min(self.count, TRAILING_MONTHS)
        if window == 0:
            return np.zeros(self.n_accounts)
        return self._window(0, window)[Line.CAPITAL] / window

    def capital_beyond_mean(self) -> np.ndarray:
        """Capital in service in the latest month less its mean over the TTM months (zeros before the first): what the
        trailing revenue does not yet show earning (or, negative, capital retired whose revenue it still shows)."""
        if self.count == 0:
            return np.zeros(self.n_accounts)
        return self.months[-1][Line.CAPITAL] - self.average_capital()

    def operating_margin(self, floor: float) -> np.ndarray:
        """m = sum(R - C - D) / sum(R) over the TTM, at least ``floor``; 0 for accounts without revenue."""
        window = self._window(0, min(self.count, TRAILING_MONTHS))
        revenue = window[Line.REVENUE]
        margin = np.zeros(self.n_accounts)
        sold = revenue > 1e-12
        margin[sold] = (revenue[sold] - window[Line.COSTS][sold] - window[Line.DEPRECIATION][sold]) / revenue[sold]
        return np.maximum(margin, floor) * sold

    def growth(self, initial: np.ndarray, cap: float) -> np.ndarray:
        """Annual revenue growth of every account from its trailing accounts, blended with ``initial`` (g_0: the firm's
        current expectation) by the length of the history; g_0 where there is none. Clipped to [-0.9, ``cap``]."""
        half = min(self.count // 2, TRAILING_MONTHS)
        growth = np.array(initial, dtype=float, copy=True)
        if half >= 1:
            recent = self._window(0, half)[Line.REVENUE]
            before = self._window(half, 2 * half)[Line.REVENUE]
            seen = (before > 1e-9) & (recent > 1e-9)
            observed = np.clip((recent[seen] / before[seen]) ** (12.0 / half) - 1.0, MIN_GROWTH, cap)
            weight = half / TRAILING_MONTHS
            growth[seen] = weight * observed + (1.0 - weight) * growth[seen]
        return np.clip(growth, MIN_GROWTH, cap)
