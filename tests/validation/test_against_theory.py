"""The simulator against exact inventory theory (DESIGN.md §6, first quality bar).

Each test builds a one-product, one-supplier scenario exactly as a user would write it
(DESIGN.md §3), runs it through the library API (one test goes through the command line),
and checks that the exact steady-state value of ``theory.py`` lies inside a 99.9% Student-t
interval built from the replications' mean, sd and n. There are about 80 such
assertions, strongly correlated within a case (fill rate, ready rate and backlog move
together), so the chance of a false alarm is a few percent at most; seeds are fixed, so a
run passes or fails reproducibly, and a failure is investigated, not re-rolled.

Power: an interval that contains everything proves nothing, so for every case the same
interval must also *exclude* the theory value of a neighbouring policy (base-stock S ± 1,
r ± 1, s ± 1 and S ± 1, ...). Horizons are sized (by a separate Monte-Carlo study) so that
those neighbours sit many half-widths away (9 to 30 at the time of writing).

The last test checks the exact-ETA rule of DESIGN.md §1 (every quote on time, none late).

Horizons: customers per test = replications × rate × window days; all tests together
simulate about 4 million customers.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scipy import stats
from theory import (
    Pmf,
    SteadyState,
    base_stock_poisson,
    base_stock_random_lead_time,
    empirical_sizes,
    lost_sales_base_stock,
    mm1_lost_sales,
    mm1_make_to_stock,
    partial_backorder_base_stock,
    periodic_base_stock_poisson,
    rq_poisson,
    ss_compound_poisson,
    zero_truncated_poisson,
)


@pytest.fixture(autouse=True)
def _coverage_paused() -> Iterator[None]:
    """Coverage is not measured during these tests: their long runs exercise code that the
    unit, property and golden tests already cover, and line tracing makes them several
    times slower (most of the suite's time with coverage on). Their statistical power is
    unchanged. (pytest-cov's own ``no_cover`` marker fails under ``--no-cov``, and
    stopping coverage from a pytest-xdist worker's test leaves its tracer on: the tracer of
    this thread is set aside instead, and put back.)"""
    tracer = sys.gettrace()
    if tracer is None:
        yield
        return
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(tracer)


CONFIDENCE = 0.999
REPLICATIONS = 20
WARMUP = 20.0
PRODUCT = "widget"
SUPPLIER = "acme"
POLICY = "theory"

Summary = Mapping[str, Any]
"""One metric's summary in the JSON of DESIGN.md §4: mean, sd, ci95_low, ci95_high, n."""


# --------------------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------------------


def scenario(
    name: str,
    *,
    seed: int,
    rate: float,
    window: float,
    replenishment: dict[str, Any],
    lead_time: dict[str, Any],
    initial_on_hand: int,
    backorder: dict[str, Any],
    order_size: dict[str, Any] | None = None,
    servers: int | None = None,
    customers: dict[str, Any] | None = None,
    replications: int = REPLICATIONS,
    warmup: float = WARMUP,
) -> dict[str, Any]:
    """A one-product, one-supplier scenario dict in the format of DESIGN.md §3."""
    demand: dict[str, Any] = {"rate_per_day": rate}
    if order_size is not None:
        demand["order_size"] = order_size
    supplier: dict[str, Any] = {"lead_time_days": lead_time, "unit_cost": 1.0}
    if servers is not None:
        supplier["servers"] = servers
    data: dict[str, Any] = {
        "name": name,
        "seed": seed,
        "horizon_days": warmup + window,
        "warmup_days": warmup,
        "replications": replications,
        "products": {
            PRODUCT: {
                "price": 10.0,
                "initial_on_hand": initial_on_hand,
                "demand": demand,
                "replenishment": replenishment,
            }
        },
        "suppliers": {SUPPLIER: supplier},
        "policies": [{"name": POLICY, "backorder": backorder}],
    }
    if customers is not None:
        data["customers"] = customers
    return data


def constant(value: float) -> dict[str, Any]:
    return {"dist": "constant", "value": value}


def run_policy(data: Mapping[str, Any]) -> dict[str, Summary]:
    """Run a scenario dict through the library API (serial) and return its policy's metrics."""
    from simulator import load_scenario, run

    result = run(load_scenario(dict(data)), executor="serial")
    out = result.to_dict()
    return dict(out["policies"][POLICY]["metrics"])


# --------------------------------------------------------------------------------------
# interval checks
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    mean: float
    half: float
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half

    @property
    def high(self) -> float:
        return self.mean + self.half

    def contains(self, value: float) -> bool:
        slack = 1e-9 * max(1.0, abs(value))  # exact values with sd = 0 (e.g. fill rate 0)
        return self.low - slack <= value <= self.high + slack

    def distance(self, value: float) -> float:
        """|value − mean| in half-widths (inf for a zero-width interval)."""
        if self.half == 0:
            return math.inf if value != self.mean else 0.0
        return abs(value - self.mean) / self.half


def interval(summary: Summary, confidence: float = CONFIDENCE) -> Interval:
    """mean ± t_{(1+c)/2, n−1} · sd / √n from a metric summary."""
    n = int(summary["n"])
    assert n >= 2, f"need at least 2 replications where the metric is defined, got {summary}"
    mean = float(summary["mean"])
    sd = float(summary["sd"])
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    return Interval(mean, t * sd / math.sqrt(n), n)


def check(
    case: str,
    metrics: Mapping[str, Summary],
    exact: SteadyState,
    keys: Sequence[str],
    power: Mapping[str, Sequence[tuple[str, SteadyState]]] | None = None,
) -> None:
    """Assert every exact value in its interval, and every off-by-one value outside it.

    Prints one line per metric (run ``pytest -s`` to see the table).
    """
    failures: list[str] = []
    power = power or {}
    for key in keys:
        want = exact.metric(key)
        assert want is not None, key
        iv = interval(metrics[key])
        ok = iv.contains(want)
        offs = power.get(key, ())
        others = [(label, float(other.metric(key) or 0.0)) for label, other in offs]
        print(
            f"[{case}] {key:20s} theory {want:9.5f}  estimate {iv.mean:9.5f} ± {iv.half:7.5f}"
            f" (n={iv.n})  {'ok' if ok else 'OUTSIDE'}"
            + "".join(f"  {label}: {iv.distance(value):5.1f} hw" for label, value in others)
        )
        if not ok:
            failures.append(
                f"{key}: theory {want:.6f} outside [{iv.low:.6f}, {iv.high:.6f}] "
                f"(mean {iv.mean:.6f}, n {iv.n})"
            )
        for label, value in others:
            if iv.contains(value):
                failures.append(
                    f"{key}: no power: the off-by-one theory value ({label}) {value:.6f} "
                    f"is inside [{iv.low:.6f}, {iv.high:.6f}] too"
                )
    assert not failures, f"{case}:\n  " + "\n  ".join(failures)


def window_demand(data: Mapping[str, Any], mean_size: float = 1.0) -> float:
    """Expected units demanded in the measurement window of a scenario built by `scenario`."""
    rate = float(data["products"][PRODUCT]["demand"]["rate_per_day"])
    return rate * mean_size * (float(data["horizon_days"]) - float(data["warmup_days"]))


def check_demand(case: str, metrics: Mapping[str, Summary], expected: float) -> None:
    """Units demanded in the window: E = rate · E[order size] · window, exactly.

    Guards the set-up (window, warm-up, arrival rate) and the order-size law (``min: 1``
    must condition the draw, not clamp it: a clamped Poisson(2) has mean 2.135, the
    conditioned one 2.313).
    """
    iv = interval(metrics["units_demanded"])
    print(
        f"[{case}] {'units_demanded':20s} theory {expected:9.1f}  estimate {iv.mean:9.1f}"
        f" ± {iv.half:7.1f} (n={iv.n})"
    )
    assert iv.contains(expected), f"{case}: units_demanded {iv} does not contain {expected}"


def timed(fn: Callable[[], dict[str, Summary]], case: str) -> dict[str, Summary]:
    start = time.perf_counter()
    metrics = fn()
    print(f"[{case}] simulated in {time.perf_counter() - start:.1f} s")
    return metrics


FULL_BACKORDER = {"allow": True}
CORE = ("fill_rate", "mean_backlog_units", "mean_on_hand_units")


# --------------------------------------------------------------------------------------
# a. base stock, Poisson unit demand, constant lead time, full backorders
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_base_stock_constant_lead_time() -> None:
    rate, lead, level = 4.0, 1.5, 7
    data = scenario(
        "base-stock vs Poisson(λL)",
        seed=101,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "base_stock", "level": level},
        lead_time=constant(lead),
        initial_on_hand=level,
        backorder=FULL_BACKORDER,
    )
    metrics = timed(lambda: run_policy(data), "a base-stock")
    check_demand("a base-stock", metrics, window_demand(data))
    off = [(f"S={s}", base_stock_poisson(s, rate, lead)) for s in (level - 1, level + 1)]
    check(
        "a base-stock",
        metrics,
        base_stock_poisson(level, rate, lead),
        (*CORE, "ready_rate", "mean_wait_days", "mean_on_order_units"),
        power={"fill_rate": off, "mean_backlog_units": off},
    )


# --------------------------------------------------------------------------------------
# b. (r, Q), including negative reorder points
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("r", "q"), [(4, 6), (-3, 6)], ids=["r=4", "r=-3"])
def test_rq_constant_lead_time(r: int, q: int) -> None:
    rate, lead = 4.0, 1.5
    data = scenario(
        f"(r,Q)=({r},{q}) vs uniform IP",
        seed=202 + r,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "rQ", "reorder_point": r, "order_quantity": q},
        lead_time=constant(lead),
        initial_on_hand=r + q,  # IP starts at the top of its cycle
        backorder=FULL_BACKORDER,
    )
    case = f"b rQ r={r} Q={q}"
    metrics = timed(lambda: run_policy(data), case)
    check_demand(case, metrics, window_demand(data))
    off = [(f"r={x}", rq_poisson(x, q, rate, lead)) for x in (r - 1, r + 1)]
    check(
        case,
        metrics,
        rq_poisson(r, q, rate, lead),
        (*CORE, "ready_rate", "mean_wait_days"),
        power={"fill_rate": off, "mean_backlog_units": off},
    )


# --------------------------------------------------------------------------------------
# c. (s, S), compound Poisson order sizes, partial fill
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SSCase:
    size_spec: dict[str, Any]
    """The order size as written in the scenario file."""
    sizes: Pmf
    """The same law for the theory."""
    rate: float
    lead: float
    s: int
    big_s: int
    window: float


SS_CASES = {
    "poisson-sizes": SSCase(
        {"dist": "poisson", "mean": 2, "min": 1},
        zero_truncated_poisson(2.0),
        rate=2.0,
        lead=1.0,
        s=3,
        big_s=10,
        window=15000.0,
    ),
    "empirical-sizes-negative-s": SSCase(
        {"dist": "empirical", "values": [1, 2, 3, 6], "weights": [4, 3, 2, 1]},
        empirical_sizes([1, 2, 3, 6], [4, 3, 2, 1]),
        rate=2.0,
        lead=0.5,
        s=-2,
        big_s=4,
        window=6000.0,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case_id", sorted(SS_CASES))
def test_ss_compound_demand_partial_fill(case_id: str) -> None:
    c = SS_CASES[case_id]
    sizes, rate, lead, s, big_s = c.sizes, c.rate, c.lead, c.s, c.big_s
    data = scenario(
        f"(s,S)=({s},{big_s}) compound demand",
        seed=303 + s,
        rate=rate,
        window=c.window,
        replenishment={"policy": "sS", "reorder_point": s, "order_up_to": big_s},
        lead_time=constant(lead),
        order_size=c.size_spec,
        initial_on_hand=big_s,
        backorder={"allow": True, "partial_fill": True},
    )
    case = f"c sS {case_id} s={s} S={big_s}"
    metrics = timed(lambda: run_policy(data), case)
    check_demand(case, metrics, window_demand(data, sizes.mean()))
    off = [
        (label, ss_compound_poisson(a, b, rate, sizes, lead))
        for label, a, b in (
            ("s-1", s - 1, big_s),
            ("s+1", s + 1, big_s),
            ("S-1", s, big_s - 1),
            ("S+1", s, big_s + 1),
        )
    ]
    check(
        case,
        metrics,
        ss_compound_poisson(s, big_s, rate, sizes, lead),
        (*CORE, "order_fill_rate", "ready_rate", "mean_wait_days"),
        power={"fill_rate": off},
    )


# --------------------------------------------------------------------------------------
# d. lost sales: Erlang loss, insensitive to the lead-time law
# --------------------------------------------------------------------------------------


def erlang_scenario(lead_time: dict[str, Any], seed: int) -> dict[str, Any]:
    return scenario(
        "lost sales = Erlang loss",
        seed=seed,
        rate=10.0,
        window=1200.0,
        replenishment={"policy": "base_stock", "level": 12},
        lead_time=lead_time,
        initial_on_hand=12,
        backorder={"allow": False},
    )


def check_erlang(case: str, metrics: Mapping[str, Summary]) -> None:
    rate, mean_lead, level = 10.0, 1.0, 12
    off = [(f"S={s}", lost_sales_base_stock(s, rate, mean_lead)) for s in (level - 1, level + 1)]
    check(
        case,
        metrics,
        lost_sales_base_stock(level, rate, mean_lead),
        ("fill_rate", "lost_sales_rate", "mean_on_hand_units", "mean_on_order_units"),
        power={"lost_sales_rate": off},
    )
    assert metrics["backorder_rate"]["mean"] == 0.0
    assert metrics["mean_backlog_units"]["mean"] == 0.0


@pytest.mark.slow
def test_lost_sales_erlang_loss_lognormal_lead_time() -> None:
    data = erlang_scenario({"dist": "lognormal", "mean": 1.0, "sd": 0.8}, seed=404)
    metrics = timed(lambda: run_policy(data), "d lost sales lognormal")
    check_demand("d lost sales lognormal", metrics, window_demand(data))
    check_erlang("d lost sales lognormal", metrics)


ERLANG_YAML = """\
name: Erlang loss through the command line
seed: 405
horizon_days: 1020
warmup_days: 20
replications: 20
products:
  widget:
    price: 10
    initial_on_hand: 12
    demand: {rate_per_day: 10}
    replenishment: {policy: base_stock, level: 12}
suppliers:
  acme: {lead_time_days: 1, unit_cost: 1}
policies:
  - name: theory
    backorder: {allow: false}
"""


@pytest.mark.slow
def test_lost_sales_erlang_loss_through_the_cli(tmp_path: Path) -> None:
    """The same system as a user runs it: YAML file, `backorder-sim run --format json`."""
    from click.testing import CliRunner

    from simulator.cli import main

    path = tmp_path / "erlang.yaml"
    path.write_text(ERLANG_YAML)
    start = time.perf_counter()
    result = CliRunner().invoke(
        main, ["run", str(path), "--format", "json", "--executor", "serial"]
    )
    print(f"[d lost sales CLI] simulated in {time.perf_counter() - start:.1f} s")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["replications"] == 20
    metrics = out["policies"][POLICY]["metrics"]
    check_demand("d lost sales CLI constant", metrics, 10.0 * 1000.0)
    check_erlang("d lost sales CLI constant", metrics)


# --------------------------------------------------------------------------------------
# e. base stock with independent random lead times that cross
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "lead_time",
    [{"dist": "exponential", "mean": 1.5}, {"dist": "uniform", "low": 0.25, "high": 2.75}],
    ids=["exponential", "uniform"],
)
def test_base_stock_crossing_lead_times(lead_time: dict[str, Any]) -> None:
    rate, mean_lead, level = 4.0, 1.5, 7
    data = scenario(
        "base-stock with M/G/inf orders outstanding",
        seed=505 if lead_time["dist"] == "exponential" else 506,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "base_stock", "level": level},
        lead_time=lead_time,
        initial_on_hand=level,
        backorder=FULL_BACKORDER,
    )
    case = f"e crossing {lead_time['dist']}"
    metrics = timed(lambda: run_policy(data), case)
    check_demand(case, metrics, window_demand(data))
    off = [
        (f"S={s}", base_stock_random_lead_time(s, rate, mean_lead)) for s in (level - 1, level + 1)
    ]
    check(
        case,
        metrics,
        base_stock_random_lead_time(level, rate, mean_lead),
        (*CORE, "ready_rate", "mean_wait_days", "mean_on_order_units"),
        power={"fill_rate": off},
    )


# --------------------------------------------------------------------------------------
# f. partial backordering
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_partial_backordering_accept_probability() -> None:
    rate, mean_lead, level, p = 4.0, 1.5, 6, 0.6
    data = scenario(
        "customers accept a backorder with probability p",
        seed=606,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "base_stock", "level": level},
        lead_time={"dist": "exponential", "mean": mean_lead},
        initial_on_hand=level,
        backorder=FULL_BACKORDER,
        customers={"accept_probability": p},
    )
    metrics = timed(lambda: run_policy(data), "f partial backordering")
    check_demand("f partial backordering", metrics, window_demand(data))
    off = [
        (f"S={s}", partial_backorder_base_stock(s, rate, mean_lead, p))
        for s in (level - 1, level + 1)
    ]
    check(
        "f partial backordering",
        metrics,
        partial_backorder_base_stock(level, rate, mean_lead, p),
        (*CORE, "backorder_rate", "lost_sales_rate", "mean_wait_days"),
        power={"fill_rate": off, "lost_sales_rate": off},
    )


# --------------------------------------------------------------------------------------
# g. M/M/1 make-to-stock, and its lost-sales version M/M/1/S
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mm1_make_to_stock() -> None:
    rate, mean_service, level = 6.0, 0.1, 3
    data = scenario(
        "M/M/1 make-to-stock",
        seed=707,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "base_stock", "level": level},
        lead_time={"dist": "exponential", "mean": mean_service},
        servers=1,
        initial_on_hand=level,
        backorder=FULL_BACKORDER,
    )
    metrics = timed(lambda: run_policy(data), "g M/M/1 make-to-stock")
    check_demand("g M/M/1 make-to-stock", metrics, window_demand(data))
    off = [(f"S={s}", mm1_make_to_stock(s, rate, mean_service)) for s in (level - 1, level + 1)]
    check(
        "g M/M/1 make-to-stock",
        metrics,
        mm1_make_to_stock(level, rate, mean_service),
        (*CORE, "mean_wait_days", "mean_on_order_units"),
        power={"fill_rate": off},
    )


@pytest.mark.slow
def test_mm1_lost_sales() -> None:
    rate, mean_service, level = 12.0, 0.1, 4
    data = scenario(
        "M/M/1/S lost sales",
        seed=708,
        rate=rate,
        window=1500.0,
        replenishment={"policy": "base_stock", "level": level},
        lead_time={"dist": "exponential", "mean": mean_service},
        servers=1,
        initial_on_hand=level,
        backorder={"allow": False},
    )
    metrics = timed(lambda: run_policy(data), "g M/M/1/S lost sales")
    check_demand("g M/M/1/S lost sales", metrics, window_demand(data))
    off = [(f"S={s}", mm1_lost_sales(s, rate, mean_service)) for s in (level - 1, level + 1)]
    check(
        "g M/M/1/S lost sales",
        metrics,
        mm1_lost_sales(level, rate, mean_service),
        ("fill_rate", "lost_sales_rate", "mean_on_hand_units"),
        power={"mean_on_hand_units": off},
    )


# --------------------------------------------------------------------------------------
# h. periodic-review base stock
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_periodic_review_base_stock() -> None:
    rate, lead, period, level = 4.0, 1.5, 1.0, 10
    data = scenario(
        "periodic-review base stock",
        seed=808,
        rate=rate,
        window=3000.0,
        replenishment={"policy": "base_stock", "level": level, "review_period_days": period},
        lead_time=constant(lead),
        initial_on_hand=level,
        backorder=FULL_BACKORDER,
    )
    metrics = timed(lambda: run_policy(data), "h periodic base-stock")
    check_demand("h periodic base-stock", metrics, window_demand(data))
    off = [
        (f"S={s}", periodic_base_stock_poisson(s, rate, lead, period))
        for s in (level - 1, level + 1)
    ]
    check(
        "h periodic base-stock",
        metrics,
        periodic_base_stock_poisson(level, rate, lead, period),
        (*CORE, "mean_wait_days"),
        power={"fill_rate": off},
    )


# --------------------------------------------------------------------------------------
# the ETA rule of DESIGN.md §1: exact quotes in the simple case
# --------------------------------------------------------------------------------------

ETA_CASES: dict[str, tuple[dict[str, Any], dict[str, Any] | None, bool]] = {
    # id: (replenishment, order size, partial_fill)
    "base_stock": ({"policy": "base_stock", "level": 7}, None, False),
    "rQ": ({"policy": "rQ", "reorder_point": 4, "order_quantity": 6}, None, False),
    "rQ-zero": ({"policy": "rQ", "reorder_point": 0, "order_quantity": 5}, None, False),
    "sS-compound-partial": (
        {"policy": "sS", "reorder_point": 3, "order_up_to": 10},
        {"dist": "poisson", "mean": 2, "min": 1},
        True,
    ),
    "sS-compound-whole": (
        {"policy": "sS", "reorder_point": 3, "order_up_to": 10},
        {"dist": "poisson", "mean": 2, "min": 1},
        False,
    ),
    "periodic-base_stock": (
        {"policy": "base_stock", "level": 10, "review_period_days": 1.0},
        None,
        False,
    ),
    "periodic-sS-compound": (
        {"policy": "sS", "reorder_point": 4, "order_up_to": 14, "review_period_days": 0.7},
        {"dist": "empirical", "values": [1, 2, 3, 6], "weights": [4, 3, 2, 1]},
        True,
    ),
}


@pytest.mark.parametrize("case_id", list(ETA_CASES))
def test_eta_quotes_are_exact_in_the_simple_case(case_id: str) -> None:
    """One supplier, constant lead time, unlimited servers, no disruptions, FIFO, no
    patience limit, zero padding, reorder levels ≥ 0: every accepted quote equals the
    shipment time of its last unit, so every quoted unit is on time and none is late."""
    replenishment, order_size, partial = ETA_CASES[case_id]
    reps = 5
    data = scenario(
        f"exact ETA: {case_id}",
        seed=909,
        rate=4.0 if order_size is None else 2.0,
        window=500.0,
        replenishment=replenishment,
        lead_time=constant(1.5),
        order_size=order_size,
        initial_on_hand=5,
        backorder={"allow": True, "quote_eta": True, "partial_fill": partial},
        replications=reps,
    )
    metrics = timed(lambda: run_policy(data), f"eta {case_id}")
    assert metrics["units_backordered"]["mean"] > 50, "the case must actually quote"
    on_time = metrics["eta_on_time_rate"]
    print(f"[eta {case_id}] eta_on_time_rate {on_time}")
    assert on_time["n"] == reps
    assert on_time["mean"] == 1.0
    assert on_time["sd"] == 0.0
    lateness = metrics["eta_mean_lateness_days"]
    assert lateness["n"] == 0
    assert lateness["mean"] is None
    assert lateness["ci95_low"] is None and lateness["ci95_high"] is None
