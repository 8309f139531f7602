"""CLV test inputs: frames shaped like int_customer_clv_inputs, simulated with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rfm_nbo.generator.bgnbd import simulate_bgnbd
from rfm_nbo.generator.params import GeneratorParams

DAY = 86_400


def inputs_frame(
    x: list[float] | np.ndarray,
    t_x: list[float] | np.ndarray,
    age: list[float] | np.ndarray,
    repeat_mean: list[float] | np.ndarray | None = None,
    margin_rate: float = 1.0,
) -> pd.DataFrame:
    """A CLV input frame; the repeat mean defaults to 10 for repeaters and null otherwise."""
    x = np.asarray(x, dtype=float)
    if repeat_mean is None:
        repeat_mean = np.where(x > 0, 10.0, np.nan)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:07d}" for i in range(len(x))],
            "repeat_frequency": x,
            "repeat_recency_days": np.asarray(t_x, dtype=float),
            "customer_age_days": np.asarray(age, dtype=float),
            "repeat_mean_value": np.asarray(repeat_mean, dtype=float),
            "purchase_mean_value": np.where(np.isfinite(repeat_mean), repeat_mean, 10.0),
            "clv_margin_rate": margin_rate,
        }
    )


def simulated_bgnbd(
    customers: int, r: float, alpha: float, a: float, b: float, seed: int
) -> pd.DataFrame:
    """BG/NBD customers from the generator's simulation, in continuous days (no SQL in between)."""
    params = GeneratorParams(
        seed=seed,
        customers=customers,
        purchase_process="bgnbd",
        bgnbd_r=r,
        bgnbd_alpha=alpha,
        bgnbd_a=a,
        bgnbd_b=b,
        campaigns=0,
        cancel_rate=0.0,
        return_rate=0.0,
    )
    drawn = simulate_bgnbd(np.random.default_rng(seed), params, customers)
    last = drawn.last_purchase_at()
    return inputs_frame(
        drawn.repeats,
        (last - drawn.born_at) / DAY,
        (params.end_epoch - drawn.born_at) / DAY,
    )
