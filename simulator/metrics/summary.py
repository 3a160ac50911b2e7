"""Summary statistics across replications: mean, sd and a Student-t 95% interval per metric.

A metric may be undefined in a replication (its denominator was zero, recorded as None). A
summary uses only the replications where the metric is defined and reports their count
``n``: with ``n == 0`` every value is None, with ``n == 1`` the sd and the interval are None.
No value is ever NaN, so JSON output holds ``null`` where a value does not exist.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from simulator.collector import paused_gc
from simulator.metrics.record import (
    STORE_METRICS,
    SUPPLIER_METRICS,
    ReplicationMetrics,
    Value,
)
from simulator.metrics.t_table import T975

CONFIDENCE = 0.95
"""The coverage of every interval this module reports."""


@dataclass(frozen=True)
class Summary:
    """One metric summarised over the replications where it is defined."""

    mean: float | None
    """Sample mean; None when n == 0."""
    sd: float | None
    """Sample standard deviation (ddof=1); None when n < 2."""
    ci95_low: float | None
    """Lower end of the Student-t 95% interval for the mean; None when n < 2."""
    ci95_high: float | None
    """Upper end of that interval; None when n < 2."""
    n: int
    """Number of replications in which the metric was defined."""

    @property
    def half_width(self) -> float | None:
        """Half the width of the 95% interval (what tables print after ±); None when n < 2."""
        if self.ci95_low is None or self.ci95_high is None:
            return None
        return (self.ci95_high - self.ci95_low) / 2.0

    def to_dict(self) -> dict[str, float | int | None]:
        """The JSON form: ``{"mean", "sd", "ci95_low", "ci95_high", "n"}``."""
        return {
            "mean": self.mean,
            "sd": self.sd,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "n": self.n,
        }


EMPTY = Summary(mean=None, sd=None, ci95_low=None, ci95_high=None, n=0)
"""The summary of a metric that is defined in no replication."""


def _finite(value: Value) -> float | None:
    """``value`` as a float, None kept; a NaN or infinity is a bug upstream, so it raises."""
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric value {value!r} is not finite; undefined metrics must be None")
    return number


def _defined(values: Iterable[Value]) -> list[float]:
    """The values that are not None, as floats."""
    return [x for x in map(_finite, values) if x is not None]


@lru_cache(maxsize=64)
def _t_quantile(df: int) -> float:
    """The Student-t quantile of the interval, with ``df`` degrees of freedom: from the
    table of :mod:`simulator.metrics.t_table` (scipy's own values) up to its length, else
    from scipy."""
    if CONFIDENCE == 0.95 and 1 <= df <= len(T975):
        return T975[df - 1]
    from scipy.special import stdtrit  # imported here: only long runs need it

    return float(stdtrit(df, 0.5 + CONFIDENCE / 2.0))


def summarize(values: Iterable[Value]) -> Summary:
    """Mean, sd (ddof=1) and Student-t 95% interval of the values that are not None."""
    xs = _defined(values)
    n = len(xs)
    if n == 0:
        return EMPTY
    low, high = min(xs), max(xs)
    if low == high:
        # All equal: report the value itself, not a mean with rounding noise.
        mean = low
        sd = 0.0
    else:
        # n >= 2 here; the clamp keeps rounding from putting the mean outside the data.
        mean = min(max(math.fsum(xs) / n, low), high)
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    if n == 1:
        return Summary(mean=mean, sd=None, ci95_low=None, ci95_high=None, n=1)
    half = _t_quantile(n - 1) * sd / math.sqrt(n)
    return Summary(mean=mean, sd=sd, ci95_low=mean - half, ci95_high=mean + half, n=n)


def paired_differences(policy: Sequence[Value], baseline: Sequence[Value]) -> list[float]:
    """Per replication, ``policy - baseline`` where both are defined (in replication order).

    Both sequences are indexed by replication: element r of each comes from replication r,
    so the two policies saw the same customers (common random numbers).
    """
    if len(policy) != len(baseline):
        raise ValueError(
            f"paired differences need one value per replication on both sides, got "
            f"{len(policy)} and {len(baseline)}"
        )
    pairs = zip(map(_finite, policy), map(_finite, baseline), strict=True)
    return [p - b for p, b in pairs if p is not None and b is not None]


def summarize_differences(policy: Sequence[Value], baseline: Sequence[Value]) -> Summary:
    """Summary of the paired differences ``policy - baseline`` (see :func:`paired_differences`)."""
    return summarize(paired_differences(policy, baseline))


def _metric_names(known: Sequence[str], records: Sequence[Mapping[str, Value]]) -> list[str]:
    """The known metric names in their order, then any extra names records carry."""
    names = list(known)
    seen = set(names)
    for record in records:
        for name in record:
            if name not in seen:
                seen.add(name)
                names.append(name)
    return names


def summarize_records(
    records: Sequence[Mapping[str, Value]], known: Sequence[str] = STORE_METRICS
) -> dict[str, Summary]:
    """Per metric name, the summary over one metric record per replication.

    A metric missing from a record counts as undefined in that replication.
    """
    names = _metric_names(known, records)
    if len(records) == 1:  # the common case of a big catalogue run once: no statistics
        record = records[0]
        return {name: _one(record.get(name)) for name in names}
    return {name: summarize(record.get(name) for record in records) for name in names}


def _one(value: Value) -> Summary:
    """``summarize([value])``, quicker: a 100,000-product catalogue run once makes about
    five million of these, and a frozen dataclass's ``__init__`` (one ``object.__setattr__``
    per field) took most of the parent's time after the run. The summary made here is
    equal to, and hashes like, ``Summary(x, None, None, None, 1)``."""
    x = _finite(value)
    if x is None:
        return EMPTY
    summary = object.__new__(Summary)
    summary.__dict__.update(mean=x, sd=None, ci95_low=None, ci95_high=None, n=1)
    return summary


@dataclass(frozen=True)
class ReplicationSummaries:
    """Every metric of one policy summarised across its replications."""

    store: dict[str, Summary]
    """Store-level metrics (all products pooled), keys STORE_METRICS."""
    products: dict[str, dict[str, Summary]]
    """Per product id, keys STORE_METRICS."""
    suppliers: dict[str, dict[str, Summary]]
    """Per supplier id, keys SUPPLIER_METRICS."""


def _ids(groups: Iterable[Mapping[str, object]]) -> list[str]:
    """Ids in first-seen order across replications."""
    ids: dict[str, None] = {}
    for group in groups:
        for key in group:
            ids.setdefault(key, None)
    return list(ids)


def summarize_replications(replications: Sequence[ReplicationMetrics]) -> ReplicationSummaries:
    """Summaries of every store, product and supplier metric over the given replications."""
    with paused_gc():
        return _summarize_replications(replications)


def _summarize_replications(replications: Sequence[ReplicationMetrics]) -> ReplicationSummaries:
    store = summarize_records([rep.store for rep in replications], STORE_METRICS)
    products = {
        pid: summarize_records([rep.products.get(pid, {}) for rep in replications], STORE_METRICS)
        for pid in _ids(rep.products for rep in replications)
    }
    suppliers = {
        sid: summarize_records(
            [rep.suppliers.get(sid, {}) for rep in replications], SUPPLIER_METRICS
        )
        for sid in _ids(rep.suppliers for rep in replications)
    }
    return ReplicationSummaries(store=store, products=products, suppliers=suppliers)
