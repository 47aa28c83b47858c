"""Losses booked against a defaulted firm, by creditor and by the channel they ran through (docs/ODD.md section 3, step 9).

A default's debts (loans, unpaid claims, the take-or-pay payments of leases and power contracts) are cleared jointly
by Eisenberg-Noe: every creditor is paid the same share of what the defaulter owes it, so a creditor's unpaid amount
splits over the channels pro rata to what each channel made it owed. Shareholders lose their stake at its last market
value; a chipmaker's stake bought through a vendor-financing deal with the defaulter is its own channel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from market.enums import ExposureChannel

if TYPE_CHECKING:
    from market.model import ComputeMarket

MIN_LOSS_USD_BN = 1e-12


@dataclass(frozen=True)
class Loss:
    """A loss one holder booked against a defaulted counterparty."""

    month: int
    counterparty: int
    amount_usd_bn: float
    channel: ExposureChannel


def split_shortfall(shortfall: np.ndarray, owed: dict[ExposureChannel, np.ndarray]) -> dict[ExposureChannel, np.ndarray]:
    """Each channel's part of the unpaid (debtor, creditor) amounts: shortfall x owed_channel / owed_total."""
    total = sum(owed.values())
    share = np.divide(shortfall, total, out=np.zeros_like(shortfall), where=total > 1e-12)
    return {channel: share * matrix for channel, matrix in owed.items()}


def log_losses(model: ComputeMarket, debtor: int, losses: dict[ExposureChannel, dict[int, float]]) -> None:
    """One ``losses`` event per channel with a loss: the total, the number of holders, and the firms among them."""
    for channel, by_holder in losses.items():
        booked = {holder: amount for holder, amount in by_holder.items() if amount > MIN_LOSS_USD_BN}
        if not booked:
            continue
        firm_accounts = set(model.equity.accounts.tolist())
        firms = sorted((h for h in booked if h in firm_accounts), key=lambda h: -booked[h])
        named = ", ".join(f"{model.name_of(h)} {booked[h]:.2f}" for h in firms)
        others = len(booked) - len(firms)
        detail = (f"{channel}: {sum(booked.values()):.2f} $bn lost by {len(booked)} holders"
                  + (f"; firms: {named}" if named else "") + (f"; {others} others (investors, outside)" if others else ""))
        model.log_event("losses", [model.name_of(debtor), *(model.name_of(h) for h in firms)], detail)


def losses_by_channel(entries: list[tuple[int, float, ExposureChannel]]) -> dict[ExposureChannel, dict[int, float]]:
    """Group (holder, amount, channel) entries by channel and holder, summing amounts."""
    grouped: dict[ExposureChannel, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for holder, amount, channel in entries:
        grouped[channel][holder] += amount
    return grouped
