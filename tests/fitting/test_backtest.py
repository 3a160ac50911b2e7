"""A replayed Poisson history and the scenario fitted to it tell the same story.

The history is one path of a known model (Poisson with a holiday window, truncated-Poisson
order sizes, lognormal lead times). Replaying it is one draw of that model's demand; the
fitted scenario draws new paths. So the replay's fill rate must lie within a prediction
interval of one replication of the fitted scenario: mean ± 3·sqrt(sd² + se_fit² + se_replay²),
where sd is the fitted scenario's replication sd (which also carries lead-time noise the
replay's mean averages out, so the interval is on the wide side, never too narrow).
The fitted scenario must also reproduce the true model's fill rate: within three standard
errors of the two (independent) runs' difference, plus 0.01 for the fit's own estimation
error. Six years of history keep that error small: with two, the holiday multiplier's
interval alone (about ±8%) moves this system's fill rate by up to 0.03.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import fit, run

sys.path.insert(0, str(Path(__file__).parent))
from histories import poisson_days, truncated_poisson, write_deliveries, write_orders

DAYS = 6 * 365
SHOP = """\
name: {name}
seed: {seed}
horizon_days: 720
warmup_days: 20
replications: {replications}
products:
  widget:
    price: 10
    initial_on_hand: 80
    demand: {demand}
    replenishment: {{policy: base_stock, level: 80}}
suppliers:
  acme: {{lead_time_days: {lead}}}
policies:
  - {{name: backorder-all, backorder: {{allow: true}}}}
"""
TRUE_DEMAND = (
    "{rate_per_day: 5, order_size: {dist: poisson, mean: 1.5, min: 1}, "
    "seasonality: [{start_day: 300, end_day: 330, multiplier: 2, repeat_every_days: 365}]}"
)
TRUE_LEAD = "{dist: lognormal, mean: 4, sd: 1.5}"


def summary(path: Path) -> tuple[float, float, float, int]:
    """(mean, sd, standard error, n) of the fill rate."""
    metric = run(path, executor="serial").to_dict()["policies"]["backorder-all"]["metrics"]
    m = metric["fill_rate"]
    return m["mean"], m["sd"], m["sd"] / math.sqrt(m["n"]), m["n"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backtest")
    rng = np.random.default_rng(17)
    write_orders(
        folder / "orders.csv",
        rng,
        poisson_days(rng, DAYS, 5.0, [(300, 330, 2.0)]),
        sizes=truncated_poisson(rng, 1.5),
    )
    sigma2 = math.log1p((1.5 / 4) ** 2)
    leads = rng.lognormal(math.log(4) - sigma2 / 2, math.sqrt(sigma2), 400)
    write_deliveries(folder / "deliveries.csv", [("acme", leads)])
    fitted = fit(folder / "orders.csv", folder / "deliveries.csv")
    (folder / "fitted.yaml").write_text(fitted.fragment_yaml(), encoding="utf-8")
    (folder / "shop.yaml").write_text(
        "extends: fitted.yaml\n"
        + SHOP.format(name="Fitted", seed=2, replications=16, demand="{}", lead="{}")
        .replace("    demand: {}\n", "")
        .replace("  acme: {lead_time_days: {}}\n", "  acme: {unit_cost: 1}\n"),
        encoding="utf-8",
    )
    return folder


def test_replay_agrees_with_the_fitted_scenario(shop: Path) -> None:
    replay = shop / "replay.yaml"
    replay.write_text(
        SHOP.format(
            name="Replay",
            seed=1,
            replications=8,
            demand="{history: orders.csv}",
            lead="{dist: empirical, history: deliveries.csv}",
        ),
        encoding="utf-8",
    )
    r_mean, _, r_se, _ = summary(replay)
    f_mean, f_sd, f_se, _ = summary(shop / "shop.yaml")
    half = 3 * math.sqrt(f_sd**2 + f_se**2 + r_se**2)
    assert abs(r_mean - f_mean) <= half, (r_mean, f_mean, half)
    assert 0.6 < f_mean < 0.97  # a system where the fill rate is sensitive to demand


def test_fitted_scenario_reproduces_the_true_fill_rate(shop: Path) -> None:
    true = shop / "true.yaml"
    true.write_text(
        SHOP.format(name="True model", seed=3, replications=16, demand=TRUE_DEMAND, lead=TRUE_LEAD),
        encoding="utf-8",
    )
    t_mean, _, t_se, _ = summary(true)
    f_mean, _, f_se, _ = summary(shop / "shop.yaml")
    assert abs(t_mean - f_mean) <= 3 * math.sqrt(t_se**2 + f_se**2) + 0.01, (t_mean, f_mean)
