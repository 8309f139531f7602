"""Choosing k: fit every k in the range on the sample, keep elbow and silhouette, apply one rule.

The rule: **the largest k whose silhouette is within ``silhouette_tolerance``
(var ``kmeans_silhouette_tolerance``, default 0.03) of the best silhouette.**

Why not the plain maximum: RFM data is mostly one long continuum (new
one-timers to frequent big spenders), and cutting a continuum in two or three
always scores the best silhouette, so the maximum lands on k = 2 or 3, too
coarse to act on. Past that the curve is nearly flat (on a simulated
continuum: 0.33 at k=3, 0.31 at k=4 and 5, 0.30 at k=6), i.e. finer splits are
about as well separated, and the rule takes the finest of them (k=5 there).

Why 0.03: the silhouette is measured on 5,000 sampled customers, and its
sampling noise is well under 0.01, so 0.03 is not noise-chasing; and it is
small against what going past a real structure costs: on data with six
planted, well-separated types, k=7 splits a tight type and scores 0.035
to 0.06 below k=6, so the rule still returns 6.

What no silhouette rule can do: find types that overlap. The project's
generator data has six behaviour types that blur into each other (their own
silhouette is only about 0.25), and its silhouette mostly falls as k grows:
on the demo build (k from 4 to 8) about 0.42, 0.39, 0.39, 0.35 and 0.34. The
rule returns k=6 there, the largest k within 0.03 of the best (k=4), which is
also the planted number of types (adjusted Rand index 0.585 against them;
README, "How segments are made"). That is the tolerance at work, not a
preference of the data: on a falling curve the chosen k moves with the
tolerance and the range, and the number of segments is a business choice:
set ``kmeans_k`` (or narrow ``kmeans_k_min``..``kmeans_k_max``). A fixed k
skips the rule.

Guards: K-Means cannot make more clusters than distinct customers, so the
range is cut at that count (noted in ``choice_reason`` and logged). The
silhouette is undefined (null) for one cluster, or as many clusters as
silhouette points; a k with a null silhouette is chosen only when no k has one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rfm_nbo.segmentation.features import feature_names
from rfm_nbo.segmentation.fitting import count_distinct_rows, fit_kmeans, silhouette
from rfm_nbo.segmentation.schema import ColumnTypes, conform
from rfm_nbo.segmentation.settings import KMeansSettings

logger = logging.getLogger(__name__)

DIAGNOSTICS_SCHEMA: ColumnTypes = [
    ("k", "int32"),
    ("inertia", "float64"),
    ("silhouette", "float64"),
    ("is_chosen", "bool"),
    ("choice_reason", "string"),
    ("sample_size", "int64"),
    ("silhouette_sample_size", "int64"),
    ("distinct_customers", "int64"),
    ("seed", "int64"),
    ("n_init", "int32"),
    ("silhouette_tolerance", "float64"),
    ("feature_names", "string"),
]


def candidate_ks(settings: KMeansSettings, distinct_customers: int) -> tuple[list[int], str | None]:
    """The k values to try, and a note when the distinct-customer count cut them."""
    wanted = (
        [settings.k] if settings.k is not None else list(range(settings.k_min, settings.k_max + 1))
    )
    if distinct_customers >= max(wanted):
        return wanted, None
    feasible = [k for k in wanted if k <= distinct_customers] or [distinct_customers]
    plural = "" if distinct_customers == 1 else "s"
    note = f"reduced: only {distinct_customers} distinct customer{plural}"
    logger.warning(
        "K-Means: %s in the sample, so k is limited to %s (asked for %s)",
        note,
        feasible,
        wanted,
    )
    return feasible, note


def choose_k(
    silhouettes: Mapping[int, float | None], tolerance: float
) -> tuple[int, dict[int, str]]:
    """Apply the rule of the module doc; return the chosen k and a reason for every k."""
    ks = sorted(silhouettes)
    defined = {k: s for k, s in silhouettes.items() if s is not None}
    if len(ks) == 1:
        return ks[0], {ks[0]: "only k tried"}
    if not defined:
        chosen = ks[0]
        reasons = {k: "not chosen: silhouette undefined" for k in ks}
        reasons[chosen] = "silhouette undefined for every k tried: smallest k"
        return chosen, reasons
    best = max(defined.values())
    best_k = min(k for k, s in defined.items() if s == best)
    chosen = max(k for k, s in defined.items() if s >= best - tolerance)
    reasons = {}
    for k in ks:
        score = silhouettes[k]
        if k == chosen and score == best:
            reasons[k] = "highest silhouette"
        elif k == chosen:
            reasons[k] = (
                f"largest k with silhouette within {tolerance:g} of the best "
                f"({best:.4f} at k={best_k})"
            )
        elif score is None:
            reasons[k] = "not chosen: silhouette undefined"
        elif score < best - tolerance:
            reasons[k] = f"not chosen: silhouette more than {tolerance:g} below the best"
        else:
            reasons[k] = f"not chosen: larger k={chosen} is within {tolerance:g} of the best"
    return chosen, reasons


def select_k(scaled: np.ndarray, settings: KMeansSettings) -> pd.DataFrame:
    """Fit each candidate k on the (canonically ordered) sample; one diagnostics row per k.

    The silhouette uses the first ``silhouette_sample_size`` rows of the
    sample, which, the sample being in hash order, are a random subset.
    """
    distinct = count_distinct_rows(scaled)
    if distinct == 0:
        raise ValueError("no customers to cluster: the input is empty")
    ks, reduction = candidate_ks(settings, distinct)
    silhouette_rows = min(settings.silhouette_sample_size, scaled.shape[0])
    inertias: dict[int, float] = {}
    silhouettes: dict[int, float | None] = {}
    for k in ks:
        fit = fit_kmeans(scaled, k, settings.seed, settings.n_init)
        inertias[k] = fit.inertia
        silhouettes[k] = silhouette(scaled[:silhouette_rows], fit.labels[:silhouette_rows])
    if settings.k is not None:
        chosen = ks[-1]
        reasons = {chosen: "fixed by var kmeans_k"}
    else:
        chosen, reasons = choose_k(silhouettes, settings.silhouette_tolerance)
    if reduction is not None:
        reasons[chosen] = f"{reasons[chosen]}; {reduction}"
    diagnostics = pd.DataFrame(
        {
            "k": ks,
            "inertia": [inertias[k] for k in ks],
            "silhouette": [np.nan if silhouettes[k] is None else silhouettes[k] for k in ks],
            "is_chosen": [k == chosen for k in ks],
            "choice_reason": [reasons[k] for k in ks],
            "sample_size": scaled.shape[0],
            "silhouette_sample_size": silhouette_rows,
            "distinct_customers": distinct,
            "seed": settings.seed,
            "n_init": settings.n_init,
            "silhouette_tolerance": settings.silhouette_tolerance,
            "feature_names": ",".join(feature_names(settings.extra_features)),
        }
    )
    return conform(diagnostics, DIAGNOSTICS_SCHEMA)
