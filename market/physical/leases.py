"""The lease book: clouds lease GW of their online compute to other labs under take-or-pay terms."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

import numpy as np

from market.enums import LabRole
from market.finance.ledger import PaymentKind
from market.network import EdgeType
from market.physical.contracts import ContractBook
from market.physical.held import HeldValues
from market.physical.projects import Lease
from market.running_sum import RunningSum

if TYPE_CHECKING:
    from agents.lab import Lab
    from market.physical.compute import CohortTable
    from market.model import ComputeMarket


def _rebuild_indexed_leases(items: list[tuple[int, Lease]], by_lessor: dict[int, dict[int, Lease]],
                            by_lessee: dict[int, dict[int, Lease]], version: int,
                            lessor_version: dict[int, int]) -> IndexedLeases:
    """A lease book with these leases, indices and versions, its index dicts its own (a shallow copy shares no index)."""
    book = IndexedLeases()
    dict.update(book, items)
    book.by_lessor = {account: dict(leases) for account, leases in by_lessor.items()}
    book.by_lessee = {account: dict(leases) for account, leases in by_lessee.items()}
    book.version, book.lessor_version = version, dict(lessor_version)
    return book


def _starting_live_gw(cohorts: CohortTable, account: int, start_month: int) -> float:
    """Live GW the account owns of chips delivered before ``start_month`` (the run's starting fleet)."""
    rows = cohorts.rows_of_owner(account)
    return float(cohorts.gw[rows[cohorts.delivered_month[rows] < start_month]].sum())


class IndexedLeases(dict):
    """The active leases by id, each party's leases also indexed by its account.

    A dict of ``Lease`` by id whose item assignment, deletion, ``pop`` and ``clear`` keep ``by_lessor`` and
    ``by_lessee`` in step, so a party's leases are found without scanning the book. Each index keeps the book's
    insertion order, so sums over a party's leases add in the same order as a scan of the whole book would.
    ``version`` counts changes to the book (and, through :meth:`LeaseBook.fit_to_capacity`, to leases' GW);
    ``lessor_version[account]`` counts those touching one lessor's leases (a lease signed, ended or resized), so a
    total over one lessor's leases is kept until they change, not until any lease changes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_lessor: dict[int, dict[int, Lease]] = {}
        self.by_lessee: dict[int, dict[int, Lease]] = {}
        self.version = 0
        self.lessor_version: dict[int, int] = {}

    def __reduce__(self) -> tuple:
        """Rebuilt by :func:`_rebuild_indexed_leases` from its leases, indices and versions, for pickle and ``copy``
        alike (plain dict unpickling would set items through ``__setitem__`` before the instance has its attributes)."""
        return _rebuild_indexed_leases, (list(self.items()), self.by_lessor, self.by_lessee, self.version,
                                         self.lessor_version)

    def touch_lessor(self, account: int) -> None:
        """Record a change to the leases ``account`` grants."""
        self.version += 1
        self.lessor_version[account] = self.lessor_version.get(account, 0) + 1

    def __setitem__(self, lease_id: int, lease: Lease) -> None:
        if lease_id in self:
            self._unindex(lease_id)
        self.touch_lessor(lease.lessor)
        super().__setitem__(lease_id, lease)
        self.by_lessor.setdefault(lease.lessor, {})[lease_id] = lease
        self.by_lessee.setdefault(lease.lessee, {})[lease_id] = lease

    def __delitem__(self, lease_id: int) -> None:
        self._unindex(lease_id)
        super().__delitem__(lease_id)

    def pop(self, lease_id: int, *default: Lease) -> Lease:
        if lease_id in self:
            self._unindex(lease_id)
        return super().pop(lease_id, *default)

    def clear(self) -> None:
        for account in self.by_lessor:
            self.touch_lessor(account)
        self.version += 1
        super().clear()
        self.by_lessor.clear()
        self.by_lessee.clear()

    def of_lessor(self, account: int) -> list[Lease]:
        """The leases ``account`` grants, in the order they were signed."""
        return list(self.by_lessor.get(account, {}).values())

    def of_lessee(self, account: int) -> list[Lease]:
        """The leases ``account`` holds, in the order they were signed."""
        return list(self.by_lessee.get(account, {}).values())

    def _unindex(self, lease_id: int) -> None:
        lease = dict.__getitem__(self, lease_id)
        self.touch_lessor(lease.lessor)
        for index, account in ((self.by_lessor, lease.lessor), (self.by_lessee, lease.lessee)):
            party = index.get(account)
            if party is not None:
                party.pop(lease_id, None)
                if not party:
                    del index[account]


class LeaseBook:
    """All active leases, with the rules by which labs request and clouds grant them.

    A cloud's lease price per GW-month is (1 + ``lab_behaviour.lease_markup``) times its full cost per
    GW-month (depreciation, power, maintenance). It leases at most ``lease_out_share_max`` of its
    online GW. A lessee leases from the clouds in its site regions, cheapest first, or only from its
    lessor while ``labs.<name>.exclusive_lessor`` holds; the month's wishes share a short cloud pro
    rata (:meth:`allocate`).

    Args:
        model: The model.
    """

    def __init__(self, model: ComputeMarket) -> None:
        self.model = model
        self.leases = IndexedLeases()
        self._leased_out: dict[int, tuple[int, RunningSum]] = {}
        self._arrays: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.held_prices: HeldValues[float] = HeldValues()
        self.held_candidates: HeldValues[list[Lab]] = HeldValues()
        self._held_quotes: dict[Hashable, tuple[int, np.ndarray, float]] = {}
        self.contracts = ContractBook(model)
        self.starting_own_use: dict[int, tuple[float, float]] = {}
        self._own_use_month: tuple[int, dict[int, float]] = (-1, {})

    def hold_prices(self, held: bool) -> None:
        """Start (``True``) or end holding each cloud's lease price, and each lessee's clouds in price order, for the rest
        of the planning phase.

        While labs plan (:meth:`market.model.ComputeMarket.plan_labs`) no cloud's online GW, depreciation or power price
        changes and no lab fails, so a cloud's price and a lessee's clouds are the same on every reading; held, they are
        worked out on the first reading only (``tests/test_held_quotes.py`` checks every held reading against a fresh
        one). A cloud's free GW is never held: leases signed while labs plan take from it, so a held quote is kept only
        until the lease book next changes (:meth:`quote`).
        """
        self.held_prices.hold(held)
        self.held_candidates.hold(held)
        self._held_quotes = {}

    def parties_and_gw(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lessor, lessee, GW) of every lease, in the book's order, as arrays (kept until the book or a lease's GW
        changes: ``IndexedLeases.version``)."""
        cached = self._arrays
        if cached is None or cached[0] != self.leases.version:
            leases, count = self.leases.values(), len(self.leases)
            arrays = (np.fromiter((lease.lessor for lease in leases), dtype=np.int64, count=count),
                      np.fromiter((lease.lessee for lease in leases), dtype=np.int64, count=count),
                      np.fromiter((lease.gw for lease in leases), dtype=float, count=count))
            for array in arrays:
                array.setflags(write=False)
            cached = (self.leases.version, *arrays)
            self._arrays = cached
        return cached[1], cached[2], cached[3]

    def leased_out_gw(self, account: int) -> float:
        """GW the account leases to others (kept until its leases next change).

        The cache keeps the running sum of the GW of the lessor's leases in the book's order; a lease signed adds to it
        (see :meth:`sign`), so the total equals ``sum`` over a scan of the book (:class:`market.running_sum.RunningSum`)
        at the cost of one addition.
        """
        version = self.leases.lessor_version.get(account, 0)
        cached = self._leased_out.get(account)
        if cached is None or cached[0] != version:
            cached = (version, RunningSum([lease.gw for lease in self.leases.of_lessor(account)]))
            self._leased_out[account] = cached
        return cached[1].value

    def contracted_out_gw(self, account: int) -> float:
        """GW the account leases out under capacity contracts."""
        return sum(lease.gw for lease in self.leases.of_lessor(account) if lease.contract)

    def leased_in_gw(self, account: int) -> float:
        """GW the account leases from clouds."""
        return sum(lease.gw for lease in self.leases.of_lessee(account))

    def leased_in_eflops_kept(self, account: int, until_month: int) -> float:
        """EFLOP/s of leases the account holds that run beyond ``until_month``."""
        model = self.model
        return sum(lease.gw * model.average_eflops_per_gw(lease.lessor) for lease in self.leases.of_lessee(account)
                   if lease.end_month > until_month)

    def free_gw(self, cloud: Lab) -> float:
        """GW the cloud could still lease out: its ``lease_out_share_max`` of its online GW, less what it leases out and
        what it keeps of its starting compute for its own services (:meth:`own_use_kept_gw`)."""
        online = self.model.owned_online_gw[cloud.account]
        free = cloud.profile.lease_out_share_max * online - self.leased_out_gw(cloud.account)
        if cloud.account in self.starting_own_use:
            free -= self.own_use_kept_gw(cloud.account)
        return max(free, 0.0)

    def keep_starting_own_use(self, share: float) -> None:
        """At set-up, after the starting leases: each cloud that sells AI services keeps ``share`` of its leasable GW
        not leased for its own services, K_0 (``lab_behaviour.starting_own_use_share``)."""
        cohorts, start = self.model.cohorts, self.model.start_month
        for cloud in self.model.labs_by_role(LabRole.CLOUD):
            kept = share * self.free_gw(cloud)
            if cloud.profile.sells_services and kept > 0.0:
                self.starting_own_use[cloud.account] = (kept, _starting_live_gw(cohorts, cloud.account, start))

    def own_use_kept_gw(self, account: int) -> float:
        """K_t = K_0 min(L_t / L_0, 1): what the cloud still keeps of its starting compute for its own services, K_0 at
        the start and falling as its starting chips retire (L its live GW of chips delivered before the start). Worked
        out once a month."""
        month, kept = self._own_use_month
        if month != self.model.month:
            kept = {}
            self._own_use_month = (self.model.month, kept)
        if account not in kept:
            kept_0, live_0 = self.starting_own_use[account]
            live = _starting_live_gw(self.model.cohorts, account, self.model.start_month)
            kept[account] = kept_0 * min(live / live_0, 1.0) if live_0 > 0.0 else 0.0
        return kept[account]

    def lease_price(self, cloud: Lab) -> float:
        """The cloud's lease price per GW-month."""
        return self.held_prices.read(cloud.account, lambda: self.find_lease_price(cloud))

    def find_lease_price(self, cloud: Lab) -> float:
        """:meth:`lease_price` worked out from the cloud's costs this month: (1 + ``lab_behaviour.lease_markup``) times
        its full monthly cost of an owned GW."""
        markup = self.model.params.lab_behaviour.lease_markup
        return (1.0 + markup) * self.model.owned_cost_per_gw_month(cloud)

    def sign(self, cloud: Lab, lessee: Lab, gw: float, term_months: int | None = None, contract: str = "") -> Lease:
        """Sign a lease at the cloud's current price, for ``term_months`` (the standard term when not given); ``contract``
        names the capacity contract it delivers, if any."""
        model = self.model
        term = model.params.lab_behaviour.lease_term_months if term_months is None else term_months
        lease = Lease(model.next_id("lease"), cloud.account, lessee.account, gw, self.lease_price(cloud),
                      model.month, model.month + term, contract)
        cached = self._leased_out.get(cloud.account)
        current = cached is not None and cached[0] == self.leases.lessor_version.get(cloud.account, 0)
        self.leases[lease.id] = lease
        if current:
            cached[1].add(gw)
            self._leased_out[cloud.account] = (self.leases.lessor_version[cloud.account], cached[1])
        model.network.add_or_update(cloud.account, lessee.account, EdgeType.LEASES, model.date,
                                    accumulate={"gw": gw}, price_usd_bn_per_gw_month=lease.price_per_gw_month,
                                    term_months=term, take_or_pay=True)
        return lease

    def candidates(self, lessee: Lab) -> list[Lab]:
        """Clouds the lessee may lease from, cheapest first (only its lessor while its contract is exclusive)."""
        return list(self.held_candidates.read(self.candidates_key(lessee), lambda: self.find_candidates(lessee)))

    def candidates_key(self, lessee: Lab) -> Hashable:
        """What the lessee's clouds depend on: its home region and site regions, for a lessee that is not a cloud (a
        cloud leases from the others only) and not bound to an exclusive lessor; otherwise the lessee itself. Lessees with
        one key have the same clouds (:meth:`find_candidates`), so at scale thousands of followers share one list."""
        spec = self.model.params.labs.get(lessee.name)
        if lessee.lab_role is LabRole.CLOUD or (spec is not None and spec.exclusive_lessor and spec.lessor):
            return lessee.account
        return lessee.region, frozenset(lessee.profile.site_regions)

    def find_candidates(self, lessee: Lab) -> list[Lab]:
        """:meth:`candidates` worked out from the clouds alive and their lease prices."""
        spec = self.model.params.labs.get(lessee.name)
        if spec is not None and spec.exclusive_lessor and spec.lessor:
            lessor = self.model.labs[spec.lessor]
            return [lessor] if lessor.alive else []
        clouds = [lab for lab in self.model.labs_by_role(LabRole.CLOUD)
                  if lab.alive and lab is not lessee
                  and (lab.region in lessee.profile.site_regions or lessee.region in lab.profile.site_regions)]
        return sorted(clouds, key=lambda c: (self.lease_price(c), c.account))

    def quote(self, lessee: Lab) -> float:
        """Lowest lease price per GW-month among the clouds with free capacity (or all candidates if none).

        While prices are held, a quote is kept for the lessees sharing its clouds (:meth:`candidates_key`) until the lease
        book changes (a lease signed or resized moves a cloud's free GW) or the clouds' online GW are worked out again
        (:meth:`market.model.ComputeMarket.refresh_compute` sets a new array): nothing else it reads moves while labs
        plan.
        """
        if not self.held_prices.holding:
            return self.find_quote(lessee)
        key, version, online = self.candidates_key(lessee), self.leases.version, self.model.owned_online_gw
        held = self._held_quotes.get(key)
        if held is not None and held[0] == version and held[1] is online:
            return held[2]
        price = self.find_quote(lessee)
        self._held_quotes[key] = (version, online, price)
        return price

    def find_quote(self, lessee: Lab) -> float:
        """:meth:`quote` worked out from the lessee's clouds and their free GW now."""
        clouds = self.candidates(lessee)
        if not clouds:
            return 0.0
        return self.lease_price(next((cloud for cloud in clouds if self.free_gw(cloud) > 1e-9), clouds[0]))

    def allocate(self, wishes: list[tuple[Lab, float]], taken: dict[int, float] | None = None) -> dict[int, dict[int, float]]:
        """Share the clouds' free GW among the month's lessees: {lessee account: {cloud account: GW granted}}.

        In each round every lessee asks the cheapest of its clouds with GW still free for what it still wants; a cloud
        asked for more than it has grants each asker the same share of its request (pro rata), and what is left
        unmet goes to the next cheapest cloud in the next round. Lessees are served together, not in planning
        order: the first to plan does not take a cloud's whole free capacity. ``taken`` holds GW granted earlier in the
        month and not yet signed, by cloud account.
        """
        clouds = {cloud.account: cloud for cloud in self.model.labs_by_role(LabRole.CLOUD) if cloud.alive}
        taken = taken or {}
        free = {account: max(self.free_gw(cloud) - taken.get(account, 0.0), 0.0) for account, cloud in clouds.items()}
        wanted = {lessee.account: gw for lessee, gw in wishes if gw > 1e-12}
        order = {lessee.account: [c.account for c in self.candidates(lessee)] for lessee, gw in wishes if gw > 1e-12}
        grants: dict[int, dict[int, float]] = {lessee.account: {} for lessee, _ in wishes}
        for _ in range(len(clouds) + 1):
            asks: dict[int, dict[int, float]] = {}
            for account, gw in wanted.items():
                cloud = next((c for c in order[account] if free.get(c, 0.0) > 1e-12), None)
                if gw > 1e-12 and cloud is not None:
                    asks.setdefault(cloud, {})[account] = gw
            if not asks:
                break
            for cloud, by_lessee in asks.items():
                scale = min(1.0, free[cloud] / sum(by_lessee.values()))
                for account, gw in by_lessee.items():
                    granted = gw * scale
                    grants[account][cloud] = grants[account].get(cloud, 0.0) + granted
                    wanted[account] -= granted
                    free[cloud] -= granted
        return grants

    def sign_grants(self, lessee: Lab, grants: dict[int, float], scale: float) -> None:
        """Sign the lessee's granted leases, each scaled by ``scale`` (the share of the plan it can pay for)."""
        for account, gw in grants.items():
            if gw * scale > 1e-9:
                self.sign(self.model.agent_by_account(account), lessee, gw * scale)

    def note_unfilled(self, lessee: Lab, gw: float) -> None:
        """Tell the clouds the lessee may lease from that it wanted ``gw`` more than they could lease (they plan for it)."""
        clouds = self.candidates(lessee)
        for cloud in clouds:
            cloud.lease_requests_unfilled_gw += gw / len(clouds)

    def expire(self, month: int) -> None:
        """End leases past their term."""
        model = self.model
        for lease_id in [i for i, lease in self.leases.items() if lease.end_month <= month]:
            lease = self.leases.pop(lease_id)
            model.log_event("lease_ended", [model.name_of(lease.lessor), model.name_of(lease.lessee)],
                            f"{lease.gw:.3f} GW after {lease.end_month - lease.start_month} months")

    def fit_to_capacity(self) -> None:
        """Shrink, pro rata, the leases of a lessor whose online GW no longer covers them (retired chips)."""
        model = self.model
        for cloud in model.labs_by_role(LabRole.CLOUD):
            out = self.leased_out_gw(cloud.account)
            online = model.owned_online_gw[cloud.account]
            if out > online + 1e-12:
                factor = online / out
                for lease in self.leases.of_lessor(cloud.account):
                    lease.gw *= factor
                self.leases.touch_lessor(cloud.account)

    def bill(self) -> None:
        """Add every lease's monthly take-or-pay payment to the dues (:meth:`Lease.monthly_payment_usd_bn`, its GW times
        its price, written out: tens of thousands of leases at a large ``run.scale``)."""
        kind = PaymentKind.LEASE
        self.model.dues.add_many([(lease.lessee, lease.lessor, lease.gw * lease.price_per_gw_month, kind)
                                  for lease in self.leases.values()])
