"""Calibration and holdout: the expected side of fct_clv_calibration.

BG/NBD is fitted on the purchases before a cut and asked for each
calibration customer's repeat purchases in the holdout after it; SQL counts
what really happened (fct_clv_calibration joins the two). Two breakdowns,
the charts Fader, Hardie and Lee (2005) validate with:

- ``calibration_frequency``: customers grouped by their repeat purchases
  before the cut (0, 1, ..., 6, and 7 for 7 or more), expected holdout
  purchases per group (the conditional expectation chart);
- ``holdout_week``: expected repeat purchases of all calibration customers in
  each week of the holdout (the tracking chart).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.fitting import AGE_DAYS, LAST_REPEAT_DAY, REPEATS
from rfm_nbo.clv.scoring import cumulative_expected_purchases
from rfm_nbo.segmentation.schema import ColumnTypes

TOP_FREQUENCY_BUCKET = 7
WEEK_DAYS = 7
# Sums are taken in fixed point, units of 2^-24 purchases (6e-8), as integers:
# exact, so a total does not depend on how the rows arrive in chunks (or Spark
# partitions), and two builds of the same data give the same bits. Totals stay
# exact as doubles up to 2^29 (5e8) expected purchases.
FIXED_POINT = float(2**24)
CALIBRATION_SCHEMA: ColumnTypes = [
    ("breakdown", "string"),
    ("bucket", "int32"),
    ("customers", "int64"),
    ("expected_repeat_purchases", "float64"),
    ("bgnbd_status", "string"),
    ("r", "float64"),
    ("alpha", "float64"),
    ("a", "float64"),
    ("b", "float64"),
]


def week_ends(holdout_days: int) -> np.ndarray:
    """Day at which each holdout week ends; the last week may be shorter."""
    weeks = -(-holdout_days // WEEK_DAYS)
    return np.minimum(np.arange(1, weeks + 1) * WEEK_DAYS, holdout_days).astype(np.float64)


def expected_holdout(
    chunks: Iterable[pd.DataFrame], params: BgNbdParams | None, holdout_days: int, status: str
) -> pd.DataFrame:
    """Sum the expected holdout purchases of every calibration customer by the two breakdowns.

    ``params`` None (the calibration fit is unusable): the rows keep their
    customer counts and a null expectation, with the status saying why.
    """
    ends = week_ends(holdout_days)
    by_frequency = [0] * (TOP_FREQUENCY_BUCKET + 1)
    customers = np.zeros(TOP_FREQUENCY_BUCKET + 1, dtype=np.int64)
    by_week = [0] * len(ends)
    for chunk in chunks:
        x = chunk[REPEATS].to_numpy(dtype=np.float64)
        bucket = np.minimum(x, TOP_FREQUENCY_BUCKET).astype(np.int64)
        customers += np.bincount(bucket, minlength=TOP_FREQUENCY_BUCKET + 1)
        if params is None or len(chunk) == 0:
            continue
        t_x = chunk[LAST_REPEAT_DAY].to_numpy(dtype=np.float64)
        age = chunk[AGE_DAYS].to_numpy(dtype=np.float64)
        cumulative = cumulative_expected_purchases(params, x, t_x, age, ends)
        per_week = np.rint(np.diff(cumulative, axis=1, prepend=0.0) * FIXED_POINT).astype(np.int64)
        per_customer = per_week.sum(axis=1)
        for position in range(len(by_frequency)):
            by_frequency[position] += int(per_customer[bucket == position].sum())
        for position in range(len(by_week)):
            by_week[position] += int(per_week[:, position].sum())
    if params is None:
        expected_frequency = np.full(len(customers), np.nan)
        expected_week = np.full(len(ends), np.nan)
    else:
        expected_frequency = np.array(by_frequency, dtype=np.float64) / FIXED_POINT
        expected_week = np.array(by_week, dtype=np.float64) / FIXED_POINT
    total = int(customers.sum())
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "breakdown": "calibration_frequency",
                    "bucket": np.arange(len(customers)),
                    "customers": customers,
                    "expected_repeat_purchases": expected_frequency,
                }
            ),
            pd.DataFrame(
                {
                    "breakdown": "holdout_week",
                    "bucket": np.arange(1, len(ends) + 1),
                    "customers": total,
                    "expected_repeat_purchases": expected_week,
                }
            ),
        ],
        ignore_index=True,
    )
    frame["bgnbd_status"] = status
    for name in ("r", "alpha", "a", "b"):
        frame[name] = getattr(params, name) if params is not None else np.nan
    return frame
