"""Histories generated from known models, written as the CSV files a planner would export."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

DAY0 = dt.datetime(2023, 1, 2)  # a Monday


def stamp(days: float, date_only: bool = False) -> str:
    moment = DAY0 + dt.timedelta(days=float(days))
    return moment.strftime("%Y-%m-%d") if date_only else moment.strftime("%Y-%m-%dT%H:%M:%S")


def poisson_days(
    rng: np.random.Generator,
    days: int,
    rate: float,
    windows: Sequence[tuple[int, int, float]] = (),
) -> np.ndarray:
    """Orders per day of a Poisson process with yearly windows (start, end, multiplier)."""
    rates = np.full(days, rate)
    position = np.arange(days) % 365
    for start, end, mult in windows:
        rates[(position >= start) & (position < end)] *= mult
    return rng.poisson(rates)


def write_orders(
    path: Path,
    rng: np.random.Generator,
    per_day: np.ndarray,
    sizes: Callable[[int], np.ndarray] | None = None,
    out_of_stock: Sequence[int] = (),
    recorded_share: float = 1.0,
    date_only: bool = False,
    product: str = "widget",
) -> None:
    """One row per order; on ``out_of_stock`` days only ``recorded_share`` of the orders are
    written (as sales), with ``in_stock`` false."""
    out = set(out_of_stock)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time", "product", "quantity", "in_stock"])
        for day, n in enumerate(per_day):
            times = np.sort(day + rng.random(int(n)))
            quantity = sizes(int(n)) if sizes is not None else np.ones(int(n), dtype=int)
            for t, q in zip(times, quantity, strict=True):
                if day in out and rng.random() >= recorded_share:
                    continue
                flag = "false" if day in out else "true"
                writer.writerow([stamp(t, date_only), product, int(q), flag])


def truncated_poisson(rng: np.random.Generator, lam: float) -> Callable[[int], np.ndarray]:
    def draw(n: int) -> np.ndarray:
        out = np.empty(0, dtype=int)
        while len(out) < n:
            more = rng.poisson(lam, 2 * n + 8)
            out = np.concatenate([out, more[more >= 1]])
        return out[:n]

    return draw


def write_deliveries(path: Path, rows: Sequence[tuple[str, np.ndarray]], span: float = 700) -> None:
    """One row per supplier order; ``rows`` gives each supplier's lead times."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier", "ordered", "received"])
        for supplier, leads in rows:
            placed = np.linspace(0, span, len(leads))
            for t, lead in zip(placed, leads, strict=True):
                writer.writerow([supplier, f"{t:.6f}", f"{t + lead:.6f}"])
