"""Installed accelerators: the chip catalogue and the array-backed table of installed cohorts.

A cohort is a batch of one chipmaker's chips delivered to one project in one month. Its GW are
facility GW; ``online_gw`` of them run, the rest of a live cohort are idle (delivered but waiting for
a building or power). Cohorts retire ``useful_life_months`` after delivery. GW are conserved:
delivered = idle + online + retired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.parameters.physical import GenerationSpec, TechnologySpec


def month_index(date: str) -> int:
    """Return the month count of a 'YYYY-MM' date (year * 12 + month - 1)."""
    year, month = date.split("-")
    return int(year) * 12 + int(month) - 1


def format_month(index: int) -> str:
    """Return the 'YYYY-MM' date of a month count."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Generation:
    """An accelerator generation on the catalogue: when it arrives, its EFLOP/s per GW and the figures
    export rules test (TPP, interconnect bandwidth, die area)."""

    name: str
    intro_month: int
    eflops_per_gw: float
    tpp: float
    interconnect_gb_s: float
    die_area_mm2: float


class ChipCatalogue:
    """Listed generations plus future ones extrapolated on the price-performance trend.

    Future generation n arrives ``interval`` months after the previous one with EFLOP/s per GW (and,
    at the same power per accelerator, TPP) multiplied by 2^(interval / ``technology.efficiency_doubling_months``)
    and interconnect bandwidth by ``technology.future_interconnect_growth_per_generation``.
    """

    def __init__(self, generations: dict[str, GenerationSpec], technology: TechnologySpec, until_month: int) -> None:
        listed = sorted(
            (Generation(name, month_index(g.intro_date), g.eflops_per_gw(), g.tpp(), g.interconnect_gb_s, g.die_area_mm2)
             for name, g in generations.items()),
            key=lambda g: g.intro_month,
        )
        interval = technology.future_generation_interval_months
        growth = 2.0 ** (interval / technology.efficiency_doubling_months)
        last = listed[-1]
        n = 1
        while last.intro_month + interval <= until_month:
            last = Generation(f"future_{n}", last.intro_month + interval, last.eflops_per_gw * growth, last.tpp * growth,
                              last.interconnect_gb_s * technology.future_interconnect_growth_per_generation, last.die_area_mm2)
            listed.append(last)
            n += 1
        self.generations: list[Generation] = listed

    def newest_at(self, month: int) -> Generation:
        """Return the newest generation introduced at or before ``month`` (the oldest if none)."""
        best = self.generations[0]
        for generation in self.generations:
            if generation.intro_month <= month:
                best = generation
        return best


class CohortTable:
    """Installed chips, one row per cohort, stored in numpy arrays.

    Columns: ``owner`` (account), ``maker`` (account), ``project``, ``site`` (region index), ``gw``,
    ``online_gw``, ``eflops_per_gw``, ``delivered_month``, ``retire_month``, ``cost_per_gw``
    (usd_bn/GW paid for chips and building), ``retired`` (bool).
    """

    _FLOAT = ("gw", "online_gw", "eflops_per_gw", "cost_per_gw")
    _INT = ("owner", "maker", "project", "site", "delivered_month", "retire_month")

    def __init__(self, capacity: int = 256) -> None:
        self.n = 0
        for name in self._FLOAT:
            setattr(self, name, np.zeros(capacity))
        for name in self._INT:
            setattr(self, name, np.zeros(capacity, dtype=np.int64))
        self.retired = np.zeros(capacity, dtype=bool)
        self.retired_gw_total = 0.0
        self.early_retired_gw_total = 0.0
        self._rows_by_project: dict[int, np.ndarray] = {}
        self._rows_by_owner: dict[int, list[int]] | None = {}
        self._rows_version: dict[int, int] = {}
        self._online_set: dict[int, tuple[float, int]] = {}
        self._eflops_bounds: dict[int, tuple[int, tuple[float, float] | None]] = {}

    def _grow(self) -> None:
        for name in (*self._FLOAT, *self._INT, "retired"):
            column = getattr(self, name)
            setattr(self, name, np.concatenate([column, np.zeros_like(column)]))

    def add(self, *, owner: int, maker: int, project: int, site: int, gw: float, eflops_per_gw: float,
            delivered_month: int, life_months: int, cost_per_gw: float, online: bool = False) -> int:
        """Append a cohort and return its row."""
        if self.n >= len(self.gw):
            self._grow()
        row = self.n
        self.owner[row], self.maker[row], self.project[row], self.site[row] = owner, maker, project, site
        self.gw[row], self.online_gw[row] = gw, gw if online else 0.0
        self.eflops_per_gw[row], self.cost_per_gw[row] = eflops_per_gw, cost_per_gw
        self.delivered_month[row], self.retire_month[row] = delivered_month, delivered_month + life_months
        self.retired[row] = False
        self.n += 1
        known = self._rows_by_project.get(project)
        self._rows_by_project[project] = np.array([row]) if known is None else np.append(known, row)
        if self._rows_by_owner is not None:
            self._rows_by_owner.setdefault(owner, []).append(row)
        self._touch(project)
        return row

    def _touch(self, project: int) -> None:
        """Record that the project's live cohorts changed (one added or retired)."""
        self._rows_version[project] = self._rows_version.get(project, 0) + 1

    def live(self) -> np.ndarray:
        """Boolean mask of cohorts not yet retired."""
        return ~self.retired[: self.n]

    def rows_of_project(self, project: int) -> np.ndarray:
        """Rows of the live cohorts of ``project``, oldest first (from an index by project that drops retired rows as
        it finds them: a retired cohort never comes back)."""
        rows = self._rows_by_project.get(project)
        if rows is None:
            return np.empty(0, dtype=np.int64)
        live = rows[~self.retired[rows]]
        if len(live) < len(rows):
            self._rows_by_project[project] = live
        return live

    def eflops_per_gw_bounds(self, project: int) -> tuple[float, float] | None:
        """(lowest, highest) EFLOP/s per GW among the project's live cohorts, None if it has none; kept until they
        change (a cohort added or retired)."""
        version = self._rows_version.get(project, 0)
        cached = self._eflops_bounds.get(project)
        if cached is not None and cached[0] == version:
            return cached[1]
        rows = self.rows_of_project(project)
        values = self.eflops_per_gw[rows]
        bounds = (float(values.min()), float(values.max())) if rows.size else None
        self._eflops_bounds[project] = (version, bounds)
        return bounds

    def rows_of_owner(self, owner: int) -> np.ndarray:
        """Rows of the live cohorts ``owner`` holds, oldest first: the rows a scan of the table for live cohorts of
        ``owner`` finds, from an index by owner (dropping retired rows as it finds them; rebuilt after
        :meth:`set_owner`)."""
        if self._rows_by_owner is None:
            owners = self.owner[: self.n]
            order = np.argsort(owners, kind="stable")
            accounts, starts = np.unique(owners[order], return_index=True)
            self._rows_by_owner = {int(account): rows.tolist()
                                   for account, rows in zip(accounts, np.split(order, starts[1:]), strict=True)}
        rows = np.array(self._rows_by_owner.get(owner, ()), dtype=np.int64)
        live = rows[~self.retired[rows]]
        if len(live) < len(rows):
            self._rows_by_owner[owner] = live.tolist()
        return live

    def set_owner(self, rows: np.ndarray, owner: int) -> None:
        """Pass the cohorts in ``rows`` to ``owner`` (a project sold)."""
        self.owner[rows] = owner
        self._rows_by_owner = None

    def set_project_online(self, project: int, online_gw: float) -> None:
        """Run ``online_gw`` of the project's live chips, oldest cohorts first; the rest are idle.

        Nothing is rewritten when the project's live cohorts and ``online_gw`` are those of the last call: the rows would
        get the same values.
        """
        key = (online_gw, self._rows_version.get(project, 0))
        if self._online_set.get(project) == key:
            return
        self._online_set[project] = key
        remaining = online_gw
        for row in self.rows_of_project(project):
            take = min(self.gw[row], max(remaining, 0.0))
            self.online_gw[row] = take
            remaining -= take

    def retire_due(self, month: int) -> dict[int, float]:
        """Retire cohorts whose life ends by ``month``; return retired GW by project."""
        n = self.n
        due = np.flatnonzero(self.live() & (self.retire_month[:n] <= month))
        by_project: dict[int, float] = {}
        for row in due:
            self.retired[row] = True
            self.online_gw[row] = 0.0
            self.retired_gw_total += self.gw[row]
            by_project[int(self.project[row])] = by_project.get(int(self.project[row]), 0.0) + float(self.gw[row])
        for project in by_project:
            self._touch(project)
        return by_project

    def retire_rows(self, rows: np.ndarray) -> float:
        """Retire the given live cohorts now (early retirement); return the GW retired."""
        rows = rows[~self.retired[rows]]
        self.retired[rows] = True
        self.online_gw[rows] = 0.0
        for project in np.unique(self.project[rows]):
            self._touch(int(project))
        gw = float(self.gw[rows].sum())
        self.retired_gw_total += gw
        self.early_retired_gw_total += gw
        return gw

    def sum_by_owner(self, values: np.ndarray, n_accounts: int) -> np.ndarray:
        """Sum a per-cohort array over live cohorts by owner account."""
        mask = self.live()
        return np.bincount(self.owner[: self.n][mask], weights=values[mask], minlength=n_accounts)

    def online_gw_by_owner(self, n_accounts: int) -> np.ndarray:
        """Online GW by owner account."""
        return self.sum_by_owner(self.online_gw[: self.n], n_accounts)

    def online_eflops_by_owner(self, n_accounts: int) -> np.ndarray:
        """Online EFLOP/s by owner account."""
        return self.sum_by_owner(self.online_gw[: self.n] * self.eflops_per_gw[: self.n], n_accounts)

    def net_book_value_by_owner(self, month: int, n_accounts: int, online_only: bool = False) -> np.ndarray:
        """Straight-line net book value of live chips and buildings by owner account (usd_bn); with ``online_only``, of
        the part of each cohort that runs (not the chips idle for want of a building or power)."""
        n = self.n
        life = np.maximum(self.retire_month[:n] - self.delivered_month[:n], 1)
        remaining = np.clip(self.retire_month[:n] - month, 0, None) / life
        gw = self.online_gw[:n] if online_only else self.gw[:n]
        return self.sum_by_owner(gw * self.cost_per_gw[:n] * remaining, n_accounts)

    def totals(self) -> dict[str, float]:
        """World totals: live, online and idle GW, online EFLOP/s and retired GW."""
        n = self.n
        mask = self.live()
        live_gw = float(self.gw[:n][mask].sum())
        online = float(self.online_gw[:n][mask].sum())
        return {
            "live_gw": live_gw,
            "online_gw": online,
            "idle_gw": live_gw - online,
            "online_eflops": float((self.online_gw[:n] * self.eflops_per_gw[:n])[mask].sum()),
            "retired_gw": self.retired_gw_total,
        }
