"""Exact steady-state values of the inventory systems the simulator must reproduce.

Every function here is pure (numpy/scipy only, no simulator import) and returns a
:class:`SteadyState` whose fields carry the metric names of DESIGN.md §2, so a test can
compare ``theory.fill_rate`` with ``metrics["fill_rate"]`` directly.

Conventions shared by all functions (they are the model of DESIGN.md §1):

- customer orders arrive as a Poisson process of rate ``rate`` per day;
- continuous review re-applies the policy after every event, so with unit demand an
  order-up-to policy keeps the inventory position IP = on hand + on order − backlog at
  its target at all times;
- "full backorders" means every short unit is accepted as a backorder, so every unit
  demanded lowers IP by one;
- by PASTA, a Poisson arrival sees the time-stationary state, so "fraction of units filled
  immediately" and "fraction of time with free stock" are both read off the stationary
  law of the state just before an arrival.

The central identity for constant lead times L under full backorders is
``NI(t + L) = IP(t) − D(t, t + L]`` (Hadley & Whitin 1963; Zipkin, *Foundations of
Inventory Management*, 2000, §6.2): everything on order at t has arrived by t + L, nothing
ordered later has, and every demand in between lowers net inventory NI = on hand −
backlog. IP(t) depends only on the past and D(t, t + L] only on the future increments of
the demand process, so the two are independent and the law of NI is a convolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from scipy import integrate, stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TAIL = 1e-15
"""Probability mass allowed to be cut from the tail of an unbounded distribution."""


@dataclass(frozen=True)
class SteadyState:
    """Exact long-run values of DESIGN.md §2 metrics for one system.

    Rates are per unit demanded; times are in days. ``mean_wait_days`` is the mean wait of
    backordered units (None when nothing is ever backordered).
    """

    fill_rate: float
    order_fill_rate: float
    backorder_rate: float
    lost_sales_rate: float
    mean_backlog_units: float
    mean_on_hand_units: float
    mean_on_order_units: float
    ready_rate: float
    mean_wait_days: float | None

    def metric(self, key: str) -> float | None:
        """The value of the metric called ``key`` (a DESIGN.md §2 name)."""
        value: float | None = getattr(self, key)
        return value

    def as_dict(self) -> dict[str, float | None]:
        """All metrics by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Pmf:
    """A distribution on consecutive integers ``start, start + 1, ...`` (``probs[i]`` at
    ``start + i``)."""

    start: int
    probs: FloatArray

    @property
    def values(self) -> IntArray:
        return np.arange(self.start, self.start + len(self.probs), dtype=np.int64)

    def mean(self) -> float:
        return float(np.dot(self.values, self.probs))

    def expect_pos(self) -> float:
        """E[X⁺]."""
        v = self.values
        return float(np.dot(np.maximum(v, 0), self.probs))

    def expect_neg(self) -> float:
        """E[X⁻] = E[max(−X, 0)]."""
        v = self.values
        return float(np.dot(np.maximum(-v, 0), self.probs))

    def prob_at_least(self, k: int) -> float:
        """P(X ≥ k)."""
        return float(self.probs[self.values >= k].sum())

    def negate(self) -> Pmf:
        """The law of −X."""
        return Pmf(-(self.start + len(self.probs) - 1), self.probs[::-1].copy())

    def plus(self, other: Pmf) -> Pmf:
        """The law of X + Y for independent X ~ self, Y ~ other."""
        return Pmf(self.start + other.start, np.convolve(self.probs, other.probs))


# --------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------


def poisson_pmf(mean: float) -> Pmf:
    """Poisson(mean) on 0..n with P(X > n) < TAIL."""
    if mean == 0:
        return Pmf(0, np.array([1.0]))
    n = int(stats.poisson.isf(TAIL, mean)) + 1
    probs = stats.poisson.pmf(np.arange(n + 1), mean)
    return Pmf(0, probs / probs.sum())


def zero_truncated_poisson(mean: float) -> Pmf:
    """Poisson(mean) conditioned on ≥ 1: a scenario's ``{dist: poisson, mean: m, min: 1}``.

    The simulator redraws values below ``min`` (DESIGN.md §3), which is conditioning:
    f(k) = e^{−m} m^k / k! / (1 − e^{−m}) for k ≥ 1.
    """
    full = poisson_pmf(mean)
    probs = full.probs[1:] / full.probs[1:].sum()
    return Pmf(1, probs)


def empirical_sizes(values: list[int], weights: list[float] | None = None) -> Pmf:
    """An ``{dist: empirical, values, weights}`` order size as a Pmf (weights normalised)."""
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    lo, hi = min(values), max(values)
    probs = np.zeros(hi - lo + 1)
    for v, wi in zip(values, w, strict=True):
        probs[v - lo] += wi
    return Pmf(lo, probs / probs.sum())


def unit_size() -> Pmf:
    """Every order asks for one unit."""
    return Pmf(1, np.array([1.0]))


def compound_poisson_pmf(mean_orders: float, sizes: Pmf) -> Pmf:
    """Law of the total units D = q_1 + ... + q_N, N ~ Poisson(mean_orders), q_i iid ~ sizes.

    Panjer's (Adelson's) recursion for the compound Poisson (Panjer 1981):
    g(0) = e^{−a}, g(n) = (a / n) Σ_{k=1}^{n} k f(k) g(n − k), with a = mean_orders and
    f the size pmf (sizes ≥ 1). Computed until the remaining mass is below TAIL.
    """
    if sizes.start < 1:
        raise ValueError("order sizes must be >= 1")
    if mean_orders > 600:
        raise ValueError("mean_orders too large for the recursion (e^-a underflows)")
    kmax = sizes.start + len(sizes.probs) - 1
    f = np.zeros(kmax + 1)
    f[sizes.start :] = sizes.probs
    kf = np.arange(kmax + 1) * f
    g = [math.exp(-mean_orders)]
    total = g[0]
    # the mean of D is a·E[q]; stop well beyond it once the tail is negligible
    bound = mean_orders * sizes.mean()
    n = 0
    while True:
        n += 1
        k = np.arange(1, min(n, kmax) + 1)
        gn = mean_orders / n * float(np.dot(kf[k], np.asarray(g)[n - k]))
        g.append(gn)
        total += gn
        if n > bound and 1.0 - total < TAIL and gn < TAIL:
            break
        if n > 100_000:  # pragma: no cover - guard
            raise RuntimeError("compound Poisson recursion did not converge")
    probs = np.asarray(g)
    return Pmf(0, probs / probs.sum())


def erlang_b(servers: int, load: float) -> float:
    """Erlang's loss probability B(c, a) for c servers and offered load a.

    Stable recursion B(0, a) = 1, B(k, a) = a B(k−1, a) / (k + a B(k−1, a)); equal to
    (a^c / c!) / Σ_{k=0}^{c} a^k / k!.
    """
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def birth_death_stationary(births: FloatArray, deaths: FloatArray) -> FloatArray:
    """Stationary law of a birth-death chain on 0..n (births[i]: i→i+1, deaths[i]: i+1→i).

    Detailed balance: π_{i+1} = π_i · births[i] / deaths[i]; normalised. Computed in logs.
    """
    with np.errstate(divide="ignore"):
        logs = np.concatenate([[0.0], np.cumsum(np.log(births) - np.log(deaths))])
    logs -= logs.max()
    pi = np.exp(logs)
    return np.asarray(pi / pi.sum(), dtype=np.float64)


def _full_backorder_state(
    net_inventory: Pmf, rate: float, sizes: Pmf, mean_on_order: float
) -> SteadyState:
    """Metrics under full backorders and partial fill, from the stationary law of NI.

    An arriving order of size q (independent of the state, PASTA) ships min(q, NI⁺) units at
    once: the free stock is NI⁺ because with partial fill every delivered unit goes to the
    backlog first, so stock and backlog never coexist. Hence

    - fill_rate = E[min(q, NI⁺)] / E[q], order_fill_rate = P(NI ≥ q);
    - backorder_rate = 1 − fill_rate (every short unit is accepted), lost_sales_rate = 0;
    - mean backlog E[NI⁻], mean on hand E[NI⁺], ready_rate = P(NI ≥ 1);
    - mean wait of backordered units by Little's law on the backlog:
      E[NI⁻] / (rate · E[q] · backorder_rate).

    With unit orders partial fill makes no difference, so this also covers unit demand
    without partial fill.
    """
    v = net_inventory.values
    p = net_inventory.probs
    pos = np.maximum(v, 0)
    mean_q = sizes.mean()
    filled = 0.0
    order_fill = 0.0
    for k, fk in zip(sizes.values, sizes.probs, strict=True):
        filled += fk * float(np.dot(np.minimum(pos, k), p))
        order_fill += fk * float(p[v >= k].sum())
    fill = filled / mean_q
    backorder = 1.0 - fill
    backlog = net_inventory.expect_neg()
    wait = backlog / (rate * mean_q * backorder) if backorder > 1e-300 else None
    return SteadyState(
        fill_rate=float(fill),
        order_fill_rate=float(order_fill),
        backorder_rate=float(backorder),
        lost_sales_rate=0.0,
        mean_backlog_units=float(backlog),
        mean_on_hand_units=net_inventory.expect_pos(),
        mean_on_order_units=float(mean_on_order),
        ready_rate=float(p[v >= 1].sum()),
        mean_wait_days=None if wait is None else float(wait),
    )


# --------------------------------------------------------------------------------------
# a. base stock, Poisson unit demand, constant lead time, full backorders
# --------------------------------------------------------------------------------------


def base_stock_poisson(level: int, rate: float, lead_time: float) -> SteadyState:
    """Base-stock S, Poisson(λ) unit demand, constant lead time L, full backorders.

    IP ≡ S, so NI = S − D_L with D_L ~ Poisson(λL) (Zipkin 2000, §6.2.2). Unit fill rate
    and ready rate P(D_L ≤ S − 1); mean backlog E[(D_L − S)⁺]; mean on hand
    E[(S − D_L)⁺]; mean on order λL; mean wait of backordered units
    E[(D_L − S)⁺] / (λ · P(D_L ≥ S)) by Little's law.
    """
    demand = poisson_pmf(rate * lead_time)
    ni = Pmf(level, np.array([1.0])).plus(demand.negate())
    return _full_backorder_state(ni, rate, unit_size(), rate * lead_time)


# --------------------------------------------------------------------------------------
# b. (r, Q), Poisson unit demand, constant lead time, full backorders
# --------------------------------------------------------------------------------------


def rq_poisson(
    reorder_point: int, order_quantity: int, rate: float, lead_time: float
) -> SteadyState:
    """(r, Q) continuous review, Poisson(λ) unit demand, constant L, full backorders.

    With unit demand IP steps down by one and an order of Q is placed the moment IP hits r,
    so IP cycles through r+Q, ..., r+1 and is uniform on {r+1, ..., r+Q} in steady state
    (Hadley & Whitin 1963; Zipkin 2000, §6.2.3). NI = IP − D_L with IP ⟂ D_L. Valid for
    any r ≥ −Q (IP ≤ 0 throughout when r = −Q).
    """
    if reorder_point < -order_quantity:
        raise ValueError("the model needs r >= -Q")
    ip = Pmf(reorder_point + 1, np.full(order_quantity, 1.0 / order_quantity))
    ni = ip.plus(poisson_pmf(rate * lead_time).negate())
    return _full_backorder_state(ni, rate, unit_size(), rate * lead_time)


# --------------------------------------------------------------------------------------
# c. (s, S), compound Poisson demand, constant lead time, full backorders, partial fill
# --------------------------------------------------------------------------------------


def ss_inventory_position(s: int, big_s: int, sizes: Pmf) -> Pmf:
    """Stationary IP of continuous-review (s, S) under compound Poisson demand.

    IP only changes at customer arrivals: from i an order of size q moves it to i − q if
    i − q > s, else (the order S − (i − q) is placed at once) to S. This is a Markov chain
    on {s+1, ..., S}; its stationary law is the law seen just after arrivals, which (IP
    being constant between arrivals, and arrivals being Poisson) is also the time-average
    law and the law seen by arrivals (PASTA). Solved here as a linear system; see
    :func:`ss_inventory_position_renewal` for the closed form it must agree with.
    """
    if not s < big_s:
        raise ValueError("need s < S")
    n = big_s - s
    states = np.arange(s + 1, big_s + 1)
    f = {int(k): float(p) for k, p in zip(sizes.values, sizes.probs, strict=True)}
    transition = np.zeros((n, n))
    for i, level in enumerate(states):
        for k, fk in f.items():
            nxt = level - k
            j = nxt - (s + 1) if nxt > s else n - 1
            transition[i, j] += fk
    # π (P − I) = 0, Σ π = 1
    a = np.vstack([(transition - np.eye(n)).T, np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return Pmf(s + 1, pi / pi.sum())


def ss_inventory_position_renewal(s: int, big_s: int, sizes: Pmf) -> Pmf:
    """The same law by the renewal argument (Sahin 1979; Zipkin 2000, §6.6).

    Each replenishment restarts IP at S; IP = S − j while the cumulative demand since the
    restart equals j. The expected number of arrival epochs per cycle at which cumulative
    demand is j is the renewal mass m(j): m(0) = 1, m(j) = Σ_{k=1}^{j} f(k) m(j − k). So
    P(IP = S − j) = m(j) / Σ_{i<S−s} m(i), j = 0..S−s−1.
    """
    n = big_s - s
    f = np.zeros(n + 1)
    for k, p in zip(sizes.values, sizes.probs, strict=True):
        if k <= n:
            f[k] = p
    m = np.zeros(n)
    m[0] = 1.0
    for j in range(1, n):
        m[j] = float(np.dot(f[1 : j + 1], m[j - 1 :: -1][:j]))
    probs = m[::-1] / m.sum()  # index 0 ↔ IP = s+1 ↔ j = n − 1
    return Pmf(s + 1, probs)


def ss_compound_poisson(
    s: int, big_s: int, rate: float, sizes: Pmf, lead_time: float
) -> SteadyState:
    """(s, S) continuous review, compound Poisson demand, constant L, full backorders, partial fill.

    "If IP ≤ s, order S − IP", reviewed right after each customer order. NI(t + L) =
    IP(t) − D(t, t + L] with IP(t) ~ :func:`ss_inventory_position` independent of the
    compound Poisson D over L (:func:`compound_poisson_pmf`). An arriving order of size q
    sees NI just before it (PASTA), independent of q; partial fill ships min(q, NI⁺):
    fill_rate = E[min(q, NI⁻ₐ⁺)] / E[q] etc., see :func:`_full_backorder_state`.
    """
    ip = ss_inventory_position(s, big_s, sizes)
    demand = compound_poisson_pmf(rate * lead_time, sizes)
    ni = ip.plus(demand.negate())
    return _full_backorder_state(ni, rate, sizes, rate * lead_time * sizes.mean())


# --------------------------------------------------------------------------------------
# d. lost sales, base stock, any lead-time distribution: Erlang loss
# --------------------------------------------------------------------------------------


def lost_sales_base_stock(level: int, rate: float, mean_lead_time: float) -> SteadyState:
    """Lost sales, base-stock S, Poisson(λ) unit demand, iid lead times of mean E[L].

    IP = on hand + on order stays S: each unit sold places one order, a lost sale places
    none. The orders outstanding are the busy servers of an M/G/S/S loss system (a sale
    "starts service" when fewer than S are busy, i.e. stock is on hand); its stationary
    law is truncated Poisson and insensitive to the lead-time law (Erlang; Sevastyanov
    1957). So lost_sales_rate = B(S, λE[L]) (Erlang B), fill_rate = ready_rate = 1 − B,
    mean on order λE[L](1 − B), mean on hand S − λE[L](1 − B).
    """
    load = rate * mean_lead_time
    b = erlang_b(level, load)
    busy = load * (1.0 - b)
    return SteadyState(
        fill_rate=1.0 - b,
        order_fill_rate=1.0 - b,
        backorder_rate=0.0,
        lost_sales_rate=b,
        mean_backlog_units=0.0,
        mean_on_hand_units=level - busy,
        mean_on_order_units=busy,
        ready_rate=1.0 - b,
        mean_wait_days=None,
    )


# --------------------------------------------------------------------------------------
# e. base stock with independent random (crossing) lead times, full backorders
# --------------------------------------------------------------------------------------


def base_stock_random_lead_time(level: int, rate: float, mean_lead_time: float) -> SteadyState:
    """Base-stock S, Poisson(λ) unit demand, iid lead times (unlimited servers), full backorders.

    IP ≡ S and each unit demanded places one order that is outstanding for an independent
    lead time, so the number N of outstanding orders is the M/G/∞ queue length, Poisson
    with mean λE[L] in steady state whatever the lead-time law (Palm's theorem; Zipkin
    2000, §7.3). Orders may cross; that does not matter since NI = IP − N = S − N: the
    constant-lead-time result with L replaced by E[L].
    """
    return base_stock_poisson(level, rate, mean_lead_time)


# --------------------------------------------------------------------------------------
# f. partial backordering with exponential lead times
# --------------------------------------------------------------------------------------


def partial_backorder_base_stock(
    level: int, rate: float, mean_lead_time: float, accept_probability: float
) -> SteadyState:
    """Base-stock S, Poisson(λ) unit demand, exponential lead times (mean 1/μ, crossing),
    customers who accept a backorder with probability p.

    Every unit sold or backordered places one order (IP ≡ S); a declined unit places none.
    The number N of outstanding orders is a birth-death chain: birth λ while N < S (stock on
    hand, the unit ships), λp while N ≥ S (no stock: the customer accepts with probability
    p), death nμ (each outstanding order arrives at rate μ). With π its stationary law
    (PASTA for the arrivals):

    - fill_rate = ready_rate = P(N ≤ S − 1);
    - backorder_rate = p·P(N ≥ S), lost_sales_rate = (1 − p)·P(N ≥ S);
    - mean backlog E[(N − S)⁺], mean on hand E[(S − N)⁺], mean on order E[N];
    - mean wait of backordered units E[(N − S)⁺] / (λ · backorder_rate) (Little).

    p = 1 gives :func:`base_stock_random_lead_time`, p = 0 the Erlang loss system.
    """
    mu = 1.0 / mean_lead_time
    p = accept_probability
    # truncate far in the tail: beyond S the chain is M/M/∞ with arrival rate λp
    top = level + int(stats.poisson.isf(TAIL, max(rate * max(p, 1e-12) * mean_lead_time, 1e-9)))
    top = max(top, level + 5)
    if p == 0.0:
        top = level
    n = np.arange(top + 1)
    births = np.where(n[:-1] < level, rate, rate * p)
    deaths = n[1:] * mu
    pi = birth_death_stationary(births.astype(float), deaths.astype(float))
    short = float(pi[level:].sum())
    backlog = float(np.dot(np.maximum(n - level, 0), pi))
    backorder = p * short
    return SteadyState(
        fill_rate=1.0 - short,
        order_fill_rate=1.0 - short,
        backorder_rate=backorder,
        lost_sales_rate=(1.0 - p) * short,
        mean_backlog_units=backlog,
        mean_on_hand_units=float(np.dot(np.maximum(level - n, 0), pi)),
        mean_on_order_units=float(np.dot(n, pi)),
        ready_rate=1.0 - short,
        mean_wait_days=backlog / (rate * backorder) if backorder > 0 else None,
    )


# --------------------------------------------------------------------------------------
# g. M/M/1 make-to-stock (supplier with one server)
# --------------------------------------------------------------------------------------


def mm1_make_to_stock(level: int, rate: float, mean_processing_time: float) -> SteadyState:
    """Base-stock S, Poisson(λ) unit demand, one supplier server with exponential
    processing (mean 1/μ), FIFO, full backorders: the M/M/1 make-to-stock queue.

    IP ≡ S; every unit demanded places a one-unit order and the orders in the supplier's
    system N (queue + in service) form an M/M/1 queue, P(N = n) = (1 − ρ)ρⁿ, ρ = λ/μ < 1
    (Buzacott & Shanthikumar 1993, §4.2). NI = S − N, so fill_rate = P(N < S) = 1 − ρ^S,
    mean backlog E[(N − S)⁺] = ρ^{S+1}/(1 − ρ), mean on hand E[(S − N)⁺] =
    S − ρ(1 − ρ^S)/(1 − ρ), mean on order ρ/(1 − ρ).
    """
    rho = rate * mean_processing_time
    if not rho < 1:
        raise ValueError("unstable: rho >= 1")
    fill = 1.0 - rho**level
    backlog = rho ** (level + 1) / (1.0 - rho)
    backorder = rho**level
    return SteadyState(
        fill_rate=fill,
        order_fill_rate=fill,
        backorder_rate=backorder,
        lost_sales_rate=0.0,
        mean_backlog_units=backlog,
        mean_on_hand_units=level - rho * (1.0 - rho**level) / (1.0 - rho),
        mean_on_order_units=rho / (1.0 - rho),
        ready_rate=fill,
        mean_wait_days=backlog / (rate * backorder) if backorder > 0 else None,
    )


def mm1_lost_sales(level: int, rate: float, mean_processing_time: float) -> SteadyState:
    """Lost-sales version: the M/M/1/S queue of outstanding orders.

    IP = on hand + on order ≡ S; a demand is served (and places an order) iff N < S, so N
    is M/M/1 with capacity S: π_n ∝ ρⁿ, n = 0..S (any ρ > 0). fill_rate = 1 − π_S,
    lost_sales_rate = π_S, mean on order E[N], mean on hand S − E[N].
    """
    rho = rate * mean_processing_time
    n = np.arange(level + 1)
    pi = birth_death_stationary(np.full(level, rate), np.full(level, 1.0 / mean_processing_time))
    assert np.allclose(pi, rho**n / np.sum(rho**n))
    blocked = float(pi[-1])
    on_order = float(np.dot(n, pi))
    return SteadyState(
        fill_rate=1.0 - blocked,
        order_fill_rate=1.0 - blocked,
        backorder_rate=0.0,
        lost_sales_rate=blocked,
        mean_backlog_units=0.0,
        mean_on_hand_units=level - on_order,
        mean_on_order_units=on_order,
        ready_rate=1.0 - blocked,
        mean_wait_days=None,
    )


# --------------------------------------------------------------------------------------
# h. periodic-review base stock, Poisson unit demand, constant lead time, full backorders
# --------------------------------------------------------------------------------------


def periodic_base_stock_poisson(
    level: int, rate: float, lead_time: float, review_period: float
) -> SteadyState:
    """Base-stock S reviewed at 0, T, 2T, ..., Poisson(λ) unit demand, constant L, full
    backorders.

    After the review at kT, IP = S. At t = kT + L + u (0 ≤ u < T) every order placed at or
    before kT has arrived and none placed later has, so NI(t) = S − D(kT, t] with
    D ~ Poisson(λ(L + u)). Averaging over u ~ U[0, T) (the long-run time average, and by
    PASTA the arrivals' view): fill_rate = ready_rate = (1/T)∫₀ᵀ P(D_{L+u} ≤ S − 1) du, mean
    backlog (1/T)∫₀ᵀ E[(D_{L+u} − S)⁺] du, mean on hand (1/T)∫₀ᵀ E[(S − D_{L+u})⁺] du;
    mean on order λL by Little's law (units are ordered at rate λ and each is outstanding
    for L). Integrals by adaptive quadrature.
    """

    def at(u: float) -> tuple[float, float, float]:
        d = poisson_pmf(rate * (lead_time + u))
        ni = Pmf(level, np.array([1.0])).plus(d.negate())
        return ni.prob_at_least(1), ni.expect_neg(), ni.expect_pos()

    def avg(i: int) -> float:
        value, _ = integrate.quad(lambda u: at(u)[i], 0.0, review_period, epsabs=1e-12, limit=200)
        return float(value) / review_period

    fill, backlog, on_hand = avg(0), avg(1), avg(2)
    backorder = 1.0 - fill
    return SteadyState(
        fill_rate=fill,
        order_fill_rate=fill,
        backorder_rate=backorder,
        lost_sales_rate=0.0,
        mean_backlog_units=backlog,
        mean_on_hand_units=on_hand,
        mean_on_order_units=rate * lead_time,
        ready_rate=fill,
        mean_wait_days=backlog / (rate * backorder) if backorder > 0 else None,
    )


def periodic_fill_rate_closed_form(
    level: int, rate: float, lead_time: float, review_period: float
) -> float:
    """The periodic-review fill rate in closed form, to check the quadrature.

    d/dt P(Pois(λt) ≥ j + 1) = λ·P(Pois(λt) = j), so
    ∫ₐᵇ P(Pois(λt) ≤ k) dt = (1/λ) Σ_{j=0}^{k} [P(Pois(λb) > j) − P(Pois(λa) > j)].
    """
    a, b = lead_time, lead_time + review_period
    j = np.arange(level)
    total = np.sum(stats.poisson.sf(j, rate * b) - stats.poisson.sf(j, rate * a)) / rate
    return float(total) / review_period
