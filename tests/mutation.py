"""Mutation check: plausible one-line bugs in the mechanism modules, each applied alone, against the fast tests.

A mutant is killed when some fast test fails (or the run times out). A mutant that survives names a mechanism no
fast test pins. The fast tests are every test not marked ``slow``, less the golden tables (which catch any change
to results, so they say nothing about whether a mechanism is tested for what it should do).

Run with ``make mutation`` (``python -m tests.mutation``); ``--only ID ...`` runs some mutants, ``--list`` lists them.
It works on a copy of the tracked files in a temporary folder, so the working tree is never touched, and writes
``docs/mutation.md`` (the last kill rate and, for each mutant, the first test that killed it).
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "mutation.md"
RUN_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Mutant:
    """A one-line bug: replace ``old`` (which must occur exactly once in ``path``) by ``new``."""

    id: str
    path: str
    old: str
    new: str
    bug: str


M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # Insolvency and contagion.
    M("distress-decay-inverted", "market/finance/insolvency.py", "distress *= 1.0 - spec.distress_decay_per_month",
      "distress *= spec.distress_decay_per_month", "DebtRank distress multiplied by the decay rate instead of 1 - rate"),
    M("grace-period-one-late", "market/finance/insolvency.py", "self.arrears_months[firm.account] >= spec.grace_months",
      "self.arrears_months[firm.account] > spec.grace_months", "a firm defaults a month after its grace period"),
    M("take-or-pay-uncapped", "market/finance/insolvency.py", "return min(max(lease.end_month - self.model.month, 0), months)",
      "return max(max(lease.end_month - self.model.month, 0), months)", "a lessor's take-or-pay claim is not capped"),
    M("contagion-window-one-long", "market/finance/insolvency.py", "loss.month > self.model.month - window:",
      "loss.month >= self.model.month - window:", "a loss exactly `window` months old is blamed for a default"),
    M("fire-sale-undepreciated", "market/finance/insolvency.py", "cohorts.cost_per_gw[rows] * remaining).sum())",
      "cohorts.cost_per_gw[rows]).sum())", "a lab's fire sale prices chips at undepreciated cost"),
    M("fire-sale-at-seller-book", "market/finance/insolvency.py",
      "carry_at_price(cohorts, rows, project, price / book if book > 0 else 0.0)",
      "carry_at_price(cohorts, rows, project, 1.0)", "a fire sale's buyer carries the chips at the seller's book, not the price paid"),
    M("building-counted-twice", "market/physical/projects.py",
      "return max(self.construction_paid_usd_bn - self.building_capitalised_usd_bn, 0.0)",
      "return self.construction_paid_usd_bn", "a building is on the books twice: in its chips and as construction in progress"),
    M("impairment-ignores-value-in-use", "market/finance/impairment.py",
      "np.bincount(inverse, weights=in_use, minlength=len(units))), 0.0)",
      "np.bincount(inverse, weights=0.0 * in_use, minlength=len(units))), 0.0)",
      "impairment writes chips down to fair value even where they earn more in use"),
    M("impairment-immaterial-booked", "market/finance/impairment.py",
      "impaired = carried - recoverable > np.maximum(materiality_share * owner_carried, 1e-12)",
      "impaired = carried - recoverable > 1e-12", "impairment books losses below the materiality threshold"),
    M("fire-sale-building-not-respread", "market/finance/insolvency.py",
      "    project.spread_building_over_chips_to_come(factor * paid + to_pay)\n", "",
      "chips delivered after a fire sale carry the building at the seller's cost"),
    M("fire-sale-to-a-defaulter", "market/finance/insolvency.py", "if lab.alive and lab.account not in excluded]",
      "if lab.alive]", "a defaulting lab may buy another defaulter's chips"),
    M("estate-ignores-creditors", "market/finance/insolvency.py",
      "weights = unpaid.copy() if unpaid.sum() > 1e-12 else capital.stakes[:, firm.account].copy()",
      "weights = capital.stakes[:, firm.account].copy()", "a defaulter's estate goes to its shareholders before unpaid creditors"),
    M("exposures-without-loans", "market/finance/insolvency.py", "values[None, :] + model.capital.loans[block]",
      "values[None, :]", "DebtRank does not see loans"),
    M("defaulter-keeps-cash", "market/finance/insolvency.py", "model.capital.pay_dividend(firm, firm.cash_usd_bn)",
      "model.capital.pay_dividend(firm, 0.0)", "a defaulted firm keeps what is left after its creditors are paid"),
    M("clearing-drops-solvent-payments", "market/finance/clearing.py", "rhs = assets[d] + pi_t[np.ix_(d, s)] @ total[s]",
      "rhs = assets[d]", "fictitious default ignores payments from solvent nodes"),
    M("debtrank-reverberates", "market/finance/debtrank.py", "state_new[spreading] = INACTIVE",
      "state_new[spreading] = DISTRESSED", "DebtRank lets distress reverberate"),
    M("debtrank-impact-untransposed", "market/finance/debtrank.py", "exposures.T / equity[None, :]",
      "exposures / equity[None, :]", "DebtRank's impact matrix reads exposures the wrong way round"),
    # Ledger.
    M("claim-totals-stale", "market/finance/claims.py", "        self.version += 1\n        super().__setitem__(key, value)",
      "        super().__setitem__(key, value)", "totals owed are kept after a claim changes"),
    M("claim-reversed", "market/finance/ledger.py", "self.claims[(payee, payer)] += amount - paid",
      "self.claims[(payer, payee)] += amount - paid", "an unpaid amount becomes the payer's claim on the payee"),
    M("dues-claim-reversed", "market/finance/in_turn.py", "                    claims[(payee, payer)] += amount - paid",
      "                    claims[(payer, payee)] += amount - paid", "an unpaid due becomes the payer's claim on the payee"),
    M("claims-settle-beyond-owed", "market/finance/ledger.py", "fraction = min(1.0, max(self.balance(debtor), 0.0) / total)",
      "fraction = max(self.balance(debtor), 0.0) / total", "settling claims pays more than is owed"),
    M("pay-to-many-forgets-shortfalls", "market/finance/ledger.py", "        if not voluntary and paid is not amounts:\n",
      "        if voluntary and paid is not amounts:\n", "a payment short of cash leaves no claim for what it could not pay"),
    # Capital market.
    M("principal-never-amortised", "market/finance/debt.py", "column[lenders] -= repayment",
      "column[lenders] -= 0.0 * repayment", "loan principal is paid but never falls"),
    M("interest-at-the-annual-rate", "market/finance/debt.py", "self.rates[lenders, account] / 12.0",
      "self.rates[lenders, account]", "a month's interest is charged at the annual rate"),
    M("no-dilution", "market/finance/capital.py", "column[self.holders.where_nonzero(self.stakes, firm.account)] *= pre / post",
      "column[self.holders.where_nonzero(self.stakes, firm.account)] *= 1.0", "new shares do not dilute old holders"),
    M("offers-held-past-planning", "market/model.py", "            self.procurement.hold_offers(False)\n", "",
      "best offers are held from one month's planning to the next"),
    M("lessees-clouds-held-for-good", "market/physical/leases.py", "        self.held_candidates.hold(held)",
      "        self.held_candidates.hold(True) if not self.held_candidates.holding else None",
      "each lessee's clouds, in price order, are held from its first planning phase on"),
    M("quote-held-across-signings", "market/physical/leases.py", "held[0] == version and held[1] is online", "True",
      "a lessee's lease quote is held while leases signed take its cheapest cloud's free GW"),
    M("dues-out-of-priority", "market/finance/settlement.py", "[item for kind in PRIORITY for item in by_kind[kind]]",
      "[item for kind in reversed(PRIORITY) for item in by_kind[kind]]", "opex is paid before chips when cash runs short"),
    M("unsettled-kind-taken", "market/finance/settlement.py", "if not {due[3] for due in dues} <= SETTLED_KINDS:",
      "if not {due[3] for due in dues[:1]} <= SETTLED_KINDS:", "a list of dues is taken when a later kind is not settled"),
    M("dues-turnover-summed-at-once", "market/finance/in_turn.py",
      "functools.reduce(operator.add, amounts_listed, self.gross_turnover)",
      "self.gross_turnover + float(amounts.sum())",
      "dues paid in one pass add their turnover at once (another rounding, and a Python float where the loop's was numpy)"),
    M("dues-in-one-pass-when-short", "market/finance/in_turn.py", ">= 1e-9 * np.maximum(cash, 1.0))[owed > 0]",
      ">= -np.inf)[owed > 0]", "dues are paid in one pass when a payer is short (no cap, no claim)"),
    M("dividend-payer-debited-at-once", "market/finance/ledger.py",
      "self._balance[payer] = np.subtract.reduce(amounts, initial=self._balance[payer])",
      "self._balance[payer] -= amounts.sum()", "a firm's dividends leave its cash in one pairwise-summed amount, not one by one"),
    M("gc-threshold-kept-after-run", "market/gc_policy.py", "    finally:\n        gc.set_threshold(*before)\n",
      "    finally:\n        pass\n", "the relaxed cycle-collector threshold outlives the run"),
    M("paid-up-while-building", "market/physical/projects.py", "    if not project.built or project.gw",
      "    if False or project.gw", "a project whose chips have all come is skipped while its building is unpaid"),
    M("paid-up-before-fit-out", "market/physical/projects.py", "and fitted_out_gw(order.gw, order.wanted_month, month, order.fit_out_gw_per_month) == order.gw)",
      "and True)",
      "a project is skipped while its fit-out schedule is incomplete (its zero chip term's type may still change)"),
    M("carried-with-construction-in-progress", "market/monthly.py",
      "        if project.building_in_progress_usd_bn() == 0.0:\n            carried.add(project_id)",
      "        carried.add(project_id)",
      "a paid-up project's construction still on the books is dropped from the lab's assets"),
    M("payments-due-type-lost", "agents/lab_finance.py", "        return np.float64(due) if typed and type(due) is float else due",
      "        return due", "skipping paid-up projects' numpy zeros changes the type of a lab's payments due"),
    M("held-balance-numpy", "market/finance/in_turn.py", "max(float(cash), 0.0)", "max(cash, 0.0)",
      "a month's dues pay numpy amounts where paying one by one paid Python floats (numpy claims)"),
    M("new-holders-not-indexed", "market/finance/capital.py", "self.holders.add(firm.account, holders)", "None",
      "a round's new holders are left out of the share register's index (never paid dividends)"),
    M("new-lenders-not-indexed", "market/finance/debt.py", "self.lenders.add(firm.account, accounts[new != 0])", "None",
      "new lenders are left out of the loan book's index (their loans never serviced or counted as debt)"),
    M("estate-heirs-not-indexed", "market/finance/capital.py", "self.holders.add(int(firm), heirs)", "None",
      "a defaulter's heirs are left out of the share registers' index (never paid the stakes' dividends)"),
    M("initial-debt-priced-as-debt-free", "market/finance/debt.py",
      "rate = self.borrowing_rate(firm, amount)\n        self.loans[accounts, firm.account] += amount",
      "rate = self.borrowing_rate(firm)\n        self.loans[accounts, firm.account] += amount",
      "starting debt is priced as if the firm owed nothing"),
    M("dividend-split-equally", "market/finance/capital.py", "amount * column[holders], PaymentKind.DIVIDEND",
      "np.full(holders.size, amount / max(holders.size, 1)), PaymentKind.DIVIDEND",
      "dividends are split equally, not by stake"),
    M("screening-does-not-bar", "market/finance/capital.py", "weights = np.where(barred, 0.0, weights)", "weights = weights",
      "investment screening logs barred money but lets it in"),
    M("debt-capacity-ignores-debt", "market/finance/debt.py", "return max(limit - firm.debt_usd_bn, 0.0)",
      "return max(limit, 0.0)", "a firm's debt limit ignores the debt it has"),
    # Valuation.
    M("claims-owed-ignored-in-value", "market/finance/equity_market.py", "- firm.debt_usd_bn - ledger.claims_payable(account))",
      "- firm.debt_usd_bn)", "claims a firm owes do not lower its own value"),
    M("debt-ignored-in-value", "market/finance/equity_market.py", "- firm.debt_usd_bn - ledger.claims_payable(account))",
      "- ledger.claims_payable(account))", "debt does not lower a firm's own value"),
    M("distress-not-marked-down", "market/finance/equity_market.py",
      "self.accounts)] * (1.0 - self.distress[self.accounts])[None, :]", "self.accounts)]",
      "stakes in distressed firms are not marked down"),
    M("margin-fade-one-year-late", "market/finance/valuation.py", "fade = year / horizon_years",
      "fade = (year - 1) / horizon_years", "the DCF margin fade is a year late"),
    M("cross-holdings-transposed", "market/finance/valuation.py", "within = holdings.rows[:, holders]",
      "within = holdings.rows[:, holders].T", "cross-holdings solved with the holders' stakes in each other transposed"),
    M("outside-held-counts-firm-stakes", "market/finance/valuation.py", "return 1.0 - holdings.rows.sum(axis=0)",
      "return np.ones(holdings.n)", "world value counts the stakes firms hold in each other as held outside"),
    # Firms' finances.
    M("ttm-growth-annualised-monthly", "market/finance/fundamentals.py", "** (12.0 / half) - 1.0", "** 12.0 - 1.0",
      "a window of several months' revenue growth is annualised as if it were one month's"),
    M("margin-before-depreciation", "market/finance/fundamentals.py",
      "- window[Line.COSTS][sold] - window[Line.DEPRECIATION][sold]) / revenue[sold]",
      "- window[Line.COSTS][sold]) / revenue[sold]", "the operating margin leaves depreciation out"),
    M("payout-all-excess", "market/finance/capital.py", "self.model.params.finance.payout_share_of_excess_cash_per_month * excess)",
      "excess)",
      "a firm pays out all its excess cash at once"),
    M("loss-maker-pays-out", "agents/lab_finance.py", "earning = self.account < profit.size and profit[self.account] > 0.0",
      "earning = self.account < profit.size", "a lab losing money over its trailing twelve months pays out cash"),
    M("burn-left-out-of-needs", "agents/lab_finance.py",
      "max(committed - horizon * self.operating_cash_flow_usd_bn_per_month(), 0.0)",
      "max(committed - horizon * max(self.operating_cash_flow_usd_bn_per_month(), 0.0), 0.0)",
      "a loss-making lab's expected losses over the funding horizon are left out of its cash needs"),
    M("inflow-not-counted", "agents/lab_finance.py", "max(committed - horizon * self.operating_cash_flow_usd_bn_per_month(), 0.0)",
      "max(committed - horizon * min(self.operating_cash_flow_usd_bn_per_month(), 0.0), 0.0)",
      "a profitable lab's expected operating inflow is not counted against what falls due"),
    M("payout-jumps-to-target", "agents/lab_finance.py",
      "regular = target if previous is None else previous + speed * (target - previous)", "regular = target",
      "a lab's regular payout jumps to its target instead of closing Lintner's share of the gap"),
    M("payout-programme-not-budgeted", "agents/lab_finance.py",
      "return (self.buffer_usd_bn() + self.due_within_usd_bn(horizon) + self.model.ledger.claims_payable(self.account)\n"
      "                + horizon * (self.regular_payout_usd_bn_per_month or 0.0))",
      "return (self.buffer_usd_bn() + self.due_within_usd_bn(horizon) + self.model.ledger.claims_payable(self.account))",
      "the next twelve months of a lab's regular payout are left out of its gross needs"),
    M("retainer-returns-excess", "agents/lab_finance.py", "if self.profile.returns_excess_cash:", "if True:",
      "a firm that retains its cash (Amazon) returns its excess"),
    M("suspended-payout-budgeted", "agents/lab_finance.py",
      "if not earning or self.profile.payout_ratio_of_cash_flow <= 0:", "if self.profile.payout_ratio_of_cash_flow <= 0:",
      "a loss-making lab keeps budgeting the regular payout it no longer pays"),
    M("idle-chips-in-service", "market/physical/compute.py", "gw = self.online_gw[:n] if online_only else self.gw[:n]",
      "gw = self.gw[:n]", "chips idle for want of a building or power count as capital earning today's revenue"),
    M("all-chips-handed-to-valuation", "market/model.py", "lab.online_chips_at_book_usd_bn = float(online_nbv[lab.account])",
      "lab.online_chips_at_book_usd_bn = float(nbv[lab.account])",
      "the model hands the valuation the book value of all a lab's chips, idle ones included"),
    M("capital-not-in-service-dropped", "market/finance/equity_market.py",
      "equity = (value + firm.cash_usd_bn + firm.capital_not_in_service_usd_bn + beyond_mean[account]",
      "equity = (value + firm.cash_usd_bn + beyond_mean[account]",
      "a valuation drops what a firm has paid for and not yet put to work"),
    M("capital-beyond-mean-dropped", "market/finance/equity_market.py",
      "equity = (value + firm.cash_usd_bn + firm.capital_not_in_service_usd_bn + beyond_mean[account]",
      "equity = (value + firm.cash_usd_bn + firm.capital_not_in_service_usd_bn",
      "a valuation drops capital put to work lately, whose earnings the trailing months do not show yet"),
    M("cash-flow-after-depreciation", "market/finance/fundamentals.py",
      "= (flow - record[Line.DEPRECIATION] if after_depreciation else flow) / window",
      "= (flow - record[Line.DEPRECIATION]) / window", "cash flow counts depreciation as spent cash"),
    M("bond-priced-at-its-coupon", "market/finance/bond_book.py",
      "return price_per_face(coupon, self.capital.borrowing_rate(firm), self.term_months)",
      "return price_per_face(coupon, coupon, self.term_months)", "bonds stay at par whatever the issuer's yield"),
    M("bond-redeemed-like-a-loan", "market/finance/bond_book.py",
      "column[holders] * self.coupon[holders, issuer] / 12.0, column[holders] / self.term_months",
      "column[holders] * self.coupon[holders, issuer] / 12.0, column[holders] / self.capital.model.params.finance.debt_term_months",
      "bonds are redeemed over the loans' term"),
    M("bonds-senior-to-loans", "market/finance/debt.py",
      "ledger.pay_to_many_pari_passu(account, [(lenders, interest, PaymentKind.INTEREST),\n                                                (holders, coupons, PaymentKind.COUPON)])",
      "ledger.pay_to_many_pari_passu(account, [(holders, coupons, PaymentKind.COUPON)])\n        ledger.pay_to_many_pari_passu(account, [(lenders, interest, PaymentKind.INTEREST)])",
      "bondholders' coupons are paid before the lenders' interest"),
    M("bond-sold-in-arrears", "market/finance/bond_book.py",
      "and self.capital.model.ledger.claims_payable(firm.account) <= 0", "", "a firm behind on its payments sells bonds"),
    M("bonds-kept-after-default", "market/finance/insolvency.py", "        model.capital.bonds.write_off(firm.account)\n", "",
      "a defaulter's bonds stay outstanding after its write-off"),
    M("bond-left-out-of-clearing", "market/finance/insolvency.py",
      "            owed[ExposureChannel.BOND][row] += model.capital.bonds.face[:, firm.account]\n", "",
      "a defaulter's bonds are not cleared with its other debts"),
    M("debt-priced-before-it-is-raised", "market/finance/debt.py",
      "return accounts, paid, self.borrowing_rate(firm, float(paid.sum()))",
      "return accounts, paid, self.borrowing_rate(firm)", "a new loan's rate or bond's coupon ignores the debt it adds"),
    M("bond-whatever-the-leverage", "market/finance/bond_book.py",
      "and self.capital.market_leverage(firm, new_debt) <= finance.bond_max_leverage)", "and True)",
      "a firm of any leverage sells bonds"),
    M("debt-never-graded", "market/model.py", "            self.capital.grade_first_debt()", "            pass",
      "starting debt keeps the provisional rate that a leverage of 1 gives"),
    M("first-debt-graded-pro-forma", "market/finance/debt.py", "self.bonds.may_issue(firm, amount, pro_forma=False)",
      "self.bonds.may_issue(firm, amount)", "grading the first debt counts it twice in the borrower's leverage"),
    M("outside-inherits-shares", "market/finance/insolvency.py", "holders = heirs != OUTSIDE", "holders = heirs >= OUTSIDE",
      "outside, a creditor of last resort, is entered on share registers with its part of an estate's stakes"),
    M("bonds-left-out-of-debt", "market/finance/debt.py",
      "return float(self.loans[:, account].sum()) + bonds", "return float(self.loans[:, account].sum())",
      "a borrower's debt leaves its bonds out"),
    M("blocked-counts-the-request", "market/finance/capital.py", "blocked = float(shares_of_round(amount, weights, caps)[barred].sum())",
      "blocked = amount * float(weights[barred].sum() / weights.sum())",
      "blocked investment counts the barred investors' weight share of the round, not what they would have committed"),
    M("plan-pays-chips-beyond-horizon", "agents/lab_finance.py",
      "model.procurement.wanted_month(site), model.month + months,",
      "model.procurement.wanted_month(site), model.month + 10_000,", "a plan raises for chips wanted beyond the funding horizon"),
    M("commitments-beyond-horizon", "agents/lab_finance.py", "* min(months_left, months)", "* months_left",
      "a lab counts construction due beyond the funding horizon among its cash needs"),
    # Services pricing and the compute split.
    M("service-markup-ignores-share", "market/physical/services.py",
      "eta = share_weight_price * (1.0 - shares) + price_elasticity * shares", "eta = share_weight_price + 0.0 * shares",
      "every lab charges the small-lab markup whatever its share"),
    M("service-prices-on-stale-shares", "market/physical/services.py", "for _ in range(100):", "for _ in range(2):",
      "prices are set before the markups reach the fixed point of the shares they produce"),
    M("split-ignores-growth", "agents/lab.py", "* relative_growth ** (behaviour.training_payback_months / 12.0)",
      "* 1.0 ** (behaviour.training_payback_months / 12.0)", "training does not follow the growth a lab expects"),
    # Leases.
    M("lease-grants-ignore-free-room", "market/physical/leases.py", "scale = min(1.0, free[cloud] / sum(by_lessee.values()))",
      "scale = 1.0", "a cloud grants every lease asked of it, beyond its free capacity"),
    M("lease-expiry-one-late", "market/physical/leases.py", "if lease.end_month <= month]", "if lease.end_month < month]",
      "a lease runs a month past its term"),
    # Capacity contracts.
    M("contract-ignores-free-gw", "market/physical/contracts.py", "gw = min(contract.open_gw(model.month), float(free))",
      "gw = contract.open_gw(model.month)", "a contract is delivered beyond the lessor's online GW not leased out"),
    M("contract-due-one-month-late", "market/physical/contracts.py", "(month - self.start_month + 1) / self.ramp_months",
      "(month - self.start_month) / self.ramp_months", "a contract's first part falls due a month after its start"),
    M("lessor-ignores-contract", "agents/lab.py", "gap = (contracts.to_lease_out_gw(self.account, month + horizon_months)",
      "gap = (0.0 * contracts.to_lease_out_gw(self.account, month + horizon_months)",
      "a cloud does not plan for the GW it has contracted to lease"),
    M("lessee-ignores-contract", "agents/lab.py", "- contracts.to_lease_in_gw(self.account, month + provision_months)) * e_new",
      "- 0.0 * contracts.to_lease_in_gw(self.account, month + provision_months)) * e_new",
      "a lab does not count the contracted GW coming to it"),
    M("contract-leases-grown", "agents/lab.py",
      "gap -= model.leases.contracted_out_gw(self.account) * (growth - 1.0)",
      "gap -= 0.0 * model.leases.contracted_out_gw(self.account) * (growth - 1.0)",
      "a cloud grows the contract leases it delivered with its own demand"),
    M("own-use-ignores-share", "market/physical/leases.py", "kept = share * self.free_gw(cloud)",
      "kept = self.free_gw(cloud)", "clouds keep all their free starting GW whatever the share"),
    M("own-use-never-falls", "market/physical/leases.py", "kept[account] = kept_0 * min(live / live_0, 1.0) if",
      "kept[account] = kept_0 if", "a cloud keeps its starting own use after its starting chips retire"),
    M("own-use-for-every-cloud", "market/physical/leases.py", "if cloud.profile.sells_services and kept > 0.0:",
      "if kept > 0.0:", "a cloud selling no services keeps idle compute from lessees"),
    M("lease-share-ignored", "market/physical/leases.py", "cloud.profile.lease_out_share_max * online - self.leased_out_gw",
      "online - self.leased_out_gw", "a cloud leases out more than its stated share"),
    # Chipmakers and procurement.
    M("partners-served-last", "agents/chipmaker.py", "o.lab not in partners, o.id))", "o.lab in partners, o.id))",
      "partners' orders are served last"),
    M("capacity-one-month-late", "agents/chipmaker.py",
      "if due <= month)\n        self.capacity_pipeline = [(due, gw) for due, gw in self.capacity_pipeline if due > month]",
      "if due < month)\n        self.capacity_pipeline = [(due, gw) for due, gw in self.capacity_pipeline if due >= month]",
      "new chip capacity arrives a month late"),
    M("wright-law-inverted", "agents/chipmaker.py", "** (-exponent)", "** (exponent)", "unit cost rises with cumulative output"),
    M("booking-window-one-long", "agents/chipmaker.py", "self.booking_window_end() - 1)", "self.booking_window_end())",
      "the booking window counts one month too many"),
    M("capacity-ceiling-ignored", "agents/chipmaker.py",
      "room = self.capacity_ceiling_gw_per_month - self.capacity_gw_per_month - pipeline", "room = math.inf",
      "capacity grows past its ceiling"),
    M("price-ignores-backlog", "agents/chipmaker.py", "self.bertrand_markup() * ratio ** spec.backlog_price_elasticity",
      "self.bertrand_markup()", "the chip price does not respond to the backlog"),
    M("markup-ignores-share", "agents/chipmaker.py", "supplier_weight_price * (1.0 - self.order_share)",
      "supplier_weight_price * 1.0", "the markup ignores the maker's share of new orders"),
    M("closure-ignores-order-book", "agents/chipmaker.py",
      "if self.utilisation >= spec.closure_utilisation or cover >= spec.closure_utilisation:",
      "if self.utilisation >= spec.closure_utilisation:", "lines close while orders wait for them"),
    M("idle-capacity-free", "agents/chipmaker.py", "fixed = self.capacity_gw_per_month * self.spec.fixed_cost_usd_bn_per_gw_month",
      "fixed = 0.0", "idle capacity costs nothing"),
    M("price-below-cost", "agents/chipmaker.py", "ratio ** spec.backlog_price_elasticity,\n                     self.unit_cost_usd_bn_per_gw)",
      "ratio ** spec.backlog_price_elasticity,\n                     0.0)", "chips sell below unit cost"),
    M("sold-out-never-cuts", "market/physical/procurement.py", "fill = min(1.0, room / requested) if requested > 0 else 1.0",
      "fill = 1.0", "a sold-out booking window takes every order"),
    # Labs' plans.
    M("orders-ignore-chips-on-order", "agents/lab.py", "gap = wanted - kept - pipeline -", "gap = wanted - kept -",
      "orders ignore chips already on order"),
    M("orders-ignore-chips-kept", "agents/lab.py", "gap = wanted - kept - pipeline -", "gap = wanted - pipeline -",
      "orders ignore chips already installed"),
    M("price-counted-the-wrong-way", "agents/lab.py", "** -model.params.demand.price_elasticity",
      "** model.params.demand.price_elasticity", "labs plan for less demand when new compute is cheaper"),
    M("capital-cut-keeps-room", "agents/lab.py", "model.placement.reserve(self, site, -gw * (1.0 - paid))",
      "model.placement.reserve(self, site, 0.0)", "a plan cut for lack of money keeps the room it reserved"),
    # Placement.
    M("power-room-ignored", "market/physical/placement.py", "_ration({a: allowed[a] - own[a] for a in accounts}, self.power_room_gw(site))",
      "_ration({a: allowed[a] - own[a] for a in accounts}, math.inf)", "plans ignore what can be powered"),
    M("construction-room-ignored", "market/physical/placement.py", "_ration(powered, self.construction_room_gw(site))",
      "_ration(powered, math.inf)", "plans ignore what can be built in time"),
    M("rationing-first-come", "market/physical/placement.py", "if total <= room or total <= EPSILON_GW:", "if True:",
      "a short room goes to whoever asks, not pro rata"),
    M("chip-room-not-shared", "market/physical/placement.py", "room * remaining[account] / asked_inside)", "room)",
      "every lab may take the whole window room"),
    # Monthly schedule, power, compute.
    M("maintenance-never-billed", "market/monthly.py", "model.owned_online_gw[lab.account] * behaviour.maintenance",
      "0.0 * behaviour.maintenance", "maintenance dues are never billed"),
    M("retirement-keeps-power", "market/monthly.py", "model.utilities[project.site].release(release)",
      "model.utilities[project.site].release(0.0)", "retired chips keep their power connection"),
    M("online-before-built", "market/monthly.py",
      "min(project.live_gw, project.connected_gw) if project.built else 0.0",
      "min(project.live_gw, project.connected_gw)", "chips run before their building is finished"),
    M("connect-beyond-headroom", "agents/utility.py", "take = min(gw, room)", "take = gw",
      "utilities connect more than they have"),
    M("reserve-margin-inverted", "agents/utility.py", "need = (1.0 + spec.reserve_margin)", "need = (1.0 - spec.reserve_margin)",
      "utilities build below load instead of above it"),
    M("power-price-ignores-queue", "agents/utility.py", "return self.committed_gw + self.queued_gw(), self.available_gw",
      "return self.committed_gw, self.available_gw",
      "the power price ignores load waiting for a connection"),
    M("power-price-jumps", "agents/utility.py",
      "self.price_usd_mwh += self.spec.price_adjust_per_month * (self.target_price_usd_mwh() - self.price_usd_mwh)",
      "self.price_usd_mwh = self.target_price_usd_mwh()", "the power price jumps to its target"),
    M("builds-ignore-turned-away", "agents/utility.py", "(load + self.turned_away_gw)", "(load)",
      "utilities do not build for load they turned away"),
    M("builds-ignore-price", "agents/utility.py", "max(need, 0.0) * self.build_incentive()", "max(need, 0.0)",
      "utilities build whether or not the price pays for new supply"),
    M("grid-offer-ignores-price", "agents/utility.py", "return growth * spec.dc_share_of_new_generation * offered",
      "return growth * spec.dc_share_of_new_generation", "grid growth is offered to data centres whatever they pay"),
    M("efficiency-bounds-kept-for-good", "market/physical/compute.py", "cached[0] == version", "True",
      "a project's EFLOP/s-per-GW bounds are kept after its cohorts change"),
    M("cohorts-rerun-skipped", "market/physical/compute.py",
      "self._rows_version[project] = self._rows_version.get(project, 0) + 1", "pass",
      "a project's chips are not rerun after its cohorts change"),
    M("cut-building-stranded", "market/physical/procurement.py",
      "            project.spread_building_over_chips_to_come(building)\n", "",
      "the building of chips that never come stays in progress for ever"),
    M("retirement-one-late", "market/physical/compute.py", "self.retire_month[:n] <= month))", "self.retire_month[:n] < month))",
      "chips retire a month after their useful life"),
    M("book-value-undepreciated", "market/physical/compute.py", "self.cost_per_gw[:n] * remaining, n_accounts)",
      "self.cost_per_gw[:n], n_accounts)", "net book value ignores depreciation"),
    M("construction-capacity-frozen", "market/physical/projects.py",
      "self.capacity_gw_per_month *= 1.0 + self.spec.capacity_growth_per_month", "self.capacity_gw_per_month *= 1.0",
      "construction capacity never grows when it binds"),
    # Policy.
    M("tpp-threshold-strict", "market/policy/export_controls.py", "over_tpp = tpp >= spec.tpp_threshold",
      "over_tpp = tpp > spec.tpp_threshold", "a part exactly at the TPP threshold escapes"),
    M("rule-in-force-in-until-month", "market/policy/export_controls.py", "return self.from_month <= month < self.until_month",
      "return self.from_month <= month <= self.until_month", "an export rule is still in force in its until month"),
    M("headquarters-always-covered", "market/policy/export_controls.py",
      "or (self.spec.covers_headquarters and buyer_region in destinations)", "or buyer_region in destinations",
      "a rule covers a destination's labs abroad even when it says it does not"),
    # Services and vendor financing.
    M("revenue-beyond-capacity", "market/physical/services.py", "served = np.minimum(wanted, capacity)", "served = wanted",
      "labs are paid for demand they cannot serve"),
    M("tranche-paid-again", "market/finance/vendor.py", "new_gw = online - deal.counted_gw", "new_gw = online",
      "a vendor pays again every month for GW already counted"),
    # Stakes in firms on the holders' books, and each firm's capex.
    M("stake-counted-twice", "market/finance/equity_market.py", "own[i] = max(equity, firm.own_book_equity_usd_bn(), 0.0)",
      "own[i] = max(equity, firm.book_equity_usd_bn(), 0.0)", "a holder's own value is floored at a book that counts its stakes"),
    M("stake-written-down-within-materiality", "market/finance/stake_book.py",
      "if loss > max(materiality * carried, 1e-12):", "if loss > 1e-12:", "a stake is written down for any loss"),
    M("stake-kept-after-default", "market/finance/insolvency.py", "        model.capital.stake_book.write_off(firm.account)\n",
      "", "a failed investee's stake stays on its holder's books"),
    M("heir-carries-own-shares", "market/finance/stake_book.py",
      "if int(heir) == int(firm) or not self.model.agent_by_account(int(firm)).alive:",
      "if not self.model.agent_by_account(int(firm)).alive:", "an heir carries a stake in itself"),
    M("stake-tested-in-first-month", "market/finance/stake_book.py",
      "if self.model.steps > 1 and int(self.model.date[5:7]) % QUARTER_MONTHS == 0:",
      "if int(self.model.date[5:7]) % QUARTER_MONTHS == 0:", "stakes are tested at the starting books' values"),
    M("capex-without-fabs-and-plants", "market/monthly.py", "np.add.at(capex, flows.payer[paid], flows.amount[paid])",
      "paid[:] = False", "a firm's fab and generation capex is left out of its capex"),
)


UNIT_TESTS_FIRST = ("test_clearing", "test_insolvency_rules", "test_finance_rules", "test_market_rules", "test_ledger",
                    "test_finance_known_answers", "test_policy", "test_supply_rules", "test_compute", "test_contagion",
                    "test_financing_rules", "test_impairment", "test_placement", "test_power_rules", "test_unit_economics")


NOT_RUN_ON_MUTANTS = ("test_golden", "test_mutants_listed")


def fast_test_command(tree: Path) -> list[str]:
    """The fast tests in one process, unit tests first, stopping at the first failure. Not the golden tables (any
    change fails them) nor the check of this list (a mutant's own text is gone from its tree, so it would fail them
    all): a mutant counts as killed only by a test of behaviour."""
    later = sorted(p.stem for p in (tree / "tests").glob("test_*.py") if p.stem not in UNIT_TESTS_FIRST)
    files = [f"tests/{name}.py" for name in (*UNIT_TESTS_FIRST, *later) if name not in NOT_RUN_ON_MUTANTS]
    return [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "no:xdist", "-m", "not slow",
            "--timeout=600", *files]


def check_mutants(root: Path) -> None:
    """Every mutant's ``old`` text occurs exactly once in its file (so the list stays in step with the code)."""
    for mutant in MUTANTS:
        count = (root / mutant.path).read_text().count(mutant.old)
        if count != 1:
            raise SystemExit(f"mutant {mutant.id}: its text occurs {count} times in {mutant.path}, expected once")


def copy_tree(destination: Path) -> None:
    """Copy the tracked and untracked, not ignored, files of the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run_tests(tree: Path) -> tuple[bool, str, float]:
    """Run the fast tests in ``tree``; return (killed, first failing test or reason, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1", "CI": ""}
    start = time.perf_counter()
    try:
        result = subprocess.run(fast_test_command(tree), cwd=tree, env=env, capture_output=True, text=True,
                                timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return True, "timeout", time.perf_counter() - start
    seconds = time.perf_counter() - start
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, flags=re.MULTILINE)
    if result.returncode == 0:
        return False, "", seconds
    return True, failed[0] if failed else f"exit {result.returncode}", seconds


def run_mutant(tree: Path, mutant: Mutant) -> tuple[bool, str, float]:
    """Apply one mutant to ``tree``, run the fast tests, restore the file."""
    path = tree / mutant.path
    original = path.read_text()
    path.write_text(original.replace(mutant.old, mutant.new))
    try:
        return run_tests(tree)
    finally:
        path.write_text(original)


def render(rows: list[tuple[Mutant, bool, str]], baseline_seconds: float, commit: str) -> str:
    """The Markdown report."""
    killed = sum(k for _, k, _ in rows)
    lines = [
        "# Mutation check",
        "",
        "Generated by `make mutation` (`python -m tests.mutation`); do not edit by hand.",
        "",
        "Each mutant is a plausible one-line bug in a mechanism module, applied alone to a copy of the tree; it is",
        "killed when a fast test fails (every test not marked `slow`, without the golden tables, which catch any",
        "change of results and so say nothing about which mechanism is tested).",
        "",
        f"**{killed} of {len(rows)} mutants killed** ({killed / len(rows):.0%}) at commit `{commit}`; "
        f"the fast tests take {baseline_seconds:.0f} s on this machine (one process).",
        "",
        "| mutant | module | bug | killed by |",
        "|---|---|---|---|",
    ]
    for mutant, was_killed, by in rows:
        lines.append(f"| `{mutant.id}` | `{mutant.path}` | {mutant.bug} | {f'`{by}`' if was_killed else '**survived**'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the mutants (all, or those named) and write the report when all ran."""
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants (no report is written)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--workers", type=int, default=2, help="mutants run at once, each on its own copy (default 2)")
    args = parser.parse_args(argv)
    check_mutants(ROOT)
    if args.list:
        for mutant in MUTANTS:
            print(f"{mutant.id:34s} {mutant.path:28s} {mutant.bug}")
        return 0
    chosen = [m for m in MUTANTS if not args.only or m.id in args.only]
    unknown = set(args.only or []) - {m.id for m in MUTANTS}
    if unknown:
        print(f"error: unknown mutant(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="aicm-mutation-") as folder:
        trees = [Path(folder) / f"tree{i}" for i in range(args.workers)]
        for tree in trees:
            copy_tree(tree)
        clean_killed, clean_by, baseline_seconds = run_tests(trees[0])
        if clean_killed:
            print(f"error: the fast tests fail without any mutant ({clean_by}); fix them first", file=sys.stderr)
            return 1
        print(f"fast tests pass unmutated in {baseline_seconds:.0f} s", flush=True)
        pending: queue.Queue[Mutant] = queue.Queue()
        for mutant in chosen:
            pending.put(mutant)
        results: dict[str, tuple[bool, str]] = {}

        def work(tree: Path) -> None:
            while True:
                try:
                    mutant = pending.get_nowait()
                except queue.Empty:
                    return
                killed, by, seconds = run_mutant(tree, mutant)
                results[mutant.id] = (killed, by)
                print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.id:34s} {seconds:5.0f} s  {by}", flush=True)

        threads = [threading.Thread(target=work, args=(tree,)) for tree in trees]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows = [(mutant, *results[mutant.id]) for mutant in chosen]
    killed_count = sum(k for _, k, _ in rows)
    print(f"{killed_count} of {len(rows)} mutants killed")
    if not args.only:
        DOC.write_text(render(rows, baseline_seconds, commit))
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0 if killed_count == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
