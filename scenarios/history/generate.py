"""Write the worked example's two-year history from a known model (deterministic seed).

    python scenarios/history/generate.py          # writes orders.csv and deliveries.csv here

The true model, which `backorder-sim fit` should recover:

- product ``widget``: Poisson orders at 6 a day, times 2.5 from day 320 to day 350 of each
  year (a holiday rush, day 0 = 2024-01-01); order sizes a zero-truncated Poisson
  with λ = 1.5 (mean 1.5 / (1 − e^−1.5) = 1.93 units); out of stock from 2024-06-10 to
  2024-06-16, when only sales were recorded (``in_stock`` false);
- supplier ``acme``: lognormal lead times, mean 9 days, sd 3; 240 orders;
- supplier ``quickco``: uniform lead times between 2 and 5 days; 120 orders.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

SEED = 2024
DAY0 = dt.datetime(2024, 1, 1)
DAYS = 731
RATE = 6.0
HOLIDAY = (320, 350, 2.5)
SIZE_LAMBDA = 1.5
OUT_OF_STOCK = (161, 168)  # 2024-06-10 .. 2024-06-16


def _stamp(days: float) -> str:
    return (DAY0 + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


def order_rows(rng: np.random.Generator) -> list[list[str]]:
    """One row per order: time, product, quantity, in_stock."""
    rows: list[list[str]] = []
    start, end, mult = HOLIDAY
    for day in range(DAYS):
        rate = RATE * (mult if start <= day % 365 < end else 1.0)
        n = rng.poisson(rate)
        times = np.sort(day + rng.random(n))
        sizes = rng.poisson(SIZE_LAMBDA, size=4 * n + 8)
        sizes = sizes[sizes >= 1][:n]
        out = OUT_OF_STOCK[0] <= day < OUT_OF_STOCK[1]
        for t, size in zip(times, sizes, strict=True):
            if out and rng.random() < 0.6:
                continue  # demand that could not be sold is not in the export
            rows.append([_stamp(t), "widget", str(int(size)), "false" if out else "true"])
    return rows


def delivery_rows(rng: np.random.Generator) -> list[list[str]]:
    """One row per supplier order: supplier, product, ordered, received, quantity."""
    rows: list[list[str]] = []
    sigma2 = np.log1p((3 / 9) ** 2)
    mu = np.log(9) - sigma2 / 2
    for supplier, count, draw in (
        ("acme", 240, lambda: rng.lognormal(mu, np.sqrt(sigma2))),
        ("quickco", 120, lambda: rng.uniform(2, 5)),
    ):
        placed = np.sort(rng.uniform(0, DAYS - 20, count))
        for t in placed:
            lead = float(draw())
            quantity = int(rng.integers(50, 200))
            rows.append([supplier, "widget", _stamp(t), _stamp(t + lead), str(quantity)])
    return rows


def main(folder: Path) -> None:
    rng = np.random.default_rng(SEED)
    with open(folder / "orders.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time", "product", "quantity", "in_stock"])
        writer.writerows(order_rows(rng))
    with open(folder / "deliveries.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier", "product", "ordered", "received", "quantity"])
        writer.writerows(delivery_rows(rng))


if __name__ == "__main__":
    main(Path(__file__).resolve().parent)
