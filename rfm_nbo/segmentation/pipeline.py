"""The three steps the dbt models run, on pandas frames: diagnose k, fit and name, assign.

Each step depends only on the deterministic sample (``draw_sample``) and the
settings, so the diagnostics model and the centroid model, run one after the
other, see the same sample and the same fit for the chosen k.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rfm_nbo.segmentation.assignment import assign_customers, nearest_centroid
from rfm_nbo.segmentation.features import (
    Scaler,
    feature_names,
    log_transform,
    numeric_features,
    require_columns,
)
from rfm_nbo.segmentation.fitting import canonical_order, count_distinct_rows, fit_kmeans
from rfm_nbo.segmentation.model import ClusterModel, centroid_table
from rfm_nbo.segmentation.naming import (
    Prototype,
    cluster_profiles,
    name_clusters,
    naming_table,
    rank_percentiles,
)
from rfm_nbo.segmentation.sampling import (
    sample_customers,
    sample_customers_from_chunks,
    subsample_positions,
)
from rfm_nbo.segmentation.selection import SUBSAMPLES, select_k
from rfm_nbo.segmentation.settings import KMeansSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedSample:
    """The sample as matrices: log-transformed, the scaler fitted on it, and standardized."""

    feature_names: tuple[str, ...]
    transformed: np.ndarray
    scaler: Scaler
    scaled: np.ndarray


def input_columns(settings: KMeansSettings) -> tuple[str, ...]:
    """The columns the segmentation reads from int_customers_rfm_scored."""
    return ("customer_id", *feature_names(settings.extra_features))


def draw_sample(
    customers: pd.DataFrame | Iterable[pd.DataFrame], settings: KMeansSettings
) -> pd.DataFrame:
    """The deterministic sample (see ``sampling``) from a frame or a stream of chunks."""
    columns = input_columns(settings)
    if isinstance(customers, pd.DataFrame):
        require_columns(customers, columns)
        sample = sample_customers(customers[list(columns)], settings.sample_size, settings.seed)
    else:
        sample = sample_customers_from_chunks(
            customers, settings.sample_size, settings.seed, columns=columns
        )
    if sample.empty:
        raise ValueError("no customers to cluster: int_customers_rfm_scored is empty")
    return sample


def prepare_sample(sample: pd.DataFrame, settings: KMeansSettings) -> PreparedSample:
    """Validate the sample's features, log-transform them and fit the scaler."""
    names = feature_names(settings.extra_features)
    transformed = log_transform(numeric_features(sample, names), names)
    scaler = Scaler.fit(transformed, names)
    return PreparedSample(names, transformed, scaler, scaler.transform(transformed))


def diagnose_k(sample: pd.DataFrame, settings: KMeansSettings) -> pd.DataFrame:
    """One row per k tried: inertia, silhouettes, and which k the rule chose (see ``selection``).

    The stability subsamples are drawn from the sample by customer_id hash
    (``sampling.subsample_positions``), so they are the same on every engine.
    """
    prepared = prepare_sample(sample, settings)
    subsamples = subsample_positions(
        sample["customer_id"], settings.seed, SUBSAMPLES, len(sample) // 2
    )
    return select_k(prepared.scaled, settings, subsamples)


def chosen_k(
    diagnostics: pd.DataFrame, settings: KMeansSettings, sample_rows: int | None = None
) -> int:
    """The k marked chosen in the diagnostics, after checking they were built with these vars.

    ``sample_rows`` (the size of the sample about to be fitted), when given,
    must equal the diagnostics' sample size: same vars, same data, same sample.
    """
    chosen = diagnostics[diagnostics["is_chosen"].astype(bool)]
    if len(chosen) != 1:
        raise ValueError(
            f"int_kmeans_diagnostics must mark exactly one k as chosen, found {len(chosen)}"
        )
    row = chosen.iloc[0]
    expected = {
        "seed": settings.seed,
        "n_init": settings.n_init,
        "feature_names": ",".join(feature_names(settings.extra_features)),
    }
    if sample_rows is not None:
        expected["sample_size"] = sample_rows
    stale = [key for key, value in expected.items() if str(row[key]) != str(value)]
    reason = str(row["choice_reason"])
    was_fixed = reason.startswith("fixed")
    if was_fixed != (settings.k is not None) or (
        settings.k is not None and int(row["k"]) != settings.k and "reduced" not in reason
    ):
        stale.append("k")
    if stale:
        raise ValueError(
            "int_kmeans_diagnostics was built with other K-Means vars "
            f"({', '.join(stale)}): build it and int_kmeans_centroids with the same --vars"
        )
    return int(row["k"])


def fit_named_clusters(
    sample: pd.DataFrame,
    k: int,
    settings: KMeansSettings,
    prototypes: Sequence[Prototype],
) -> tuple[ClusterModel, pd.DataFrame]:
    """Fit k clusters on the sample, renumber them canonically and name them.

    ``prototypes`` are the naming prototypes (seed kmeans_name_prototypes,
    read with ``prototypes.prototypes_from_frame``). Returns the model and the
    centroid table (one row per cluster). k is cut to the number of distinct
    customers if it exceeds it (with a warning).
    """
    prepared = prepare_sample(sample, settings)
    distinct = count_distinct_rows(prepared.scaled)
    if k > distinct:
        logger.warning("K-Means: only %s distinct customers, fitting k=%s", distinct, distinct)
        k = distinct
    fit = fit_kmeans(prepared.scaled, k, settings.seed, settings.n_init)
    labels, _ = nearest_centroid(prepared.scaled, fit.centroids)
    percentiles = rank_percentiles(prepared.transformed[:, :3])
    profiles = cluster_profiles(percentiles, labels, k)
    order = canonical_order(profiles.sum(axis=1), fit.centroids)
    profiles = profiles[order]
    counts = np.bincount(labels, minlength=k)[order]
    namings = name_clusters(profiles, prototypes)
    model = ClusterModel(
        scaler=prepared.scaler,
        centroids=fit.centroids[order],
        cluster_ids=tuple(range(1, k + 1)),
        cluster_names=tuple(naming.cluster_name for naming in namings),
    )
    context = {"seed": settings.seed, "sample_size": len(sample), "n_init": settings.n_init}
    table = centroid_table(model, naming_table(namings), profiles, counts.tolist(), context)
    return model, table


def assign_clusters(
    customers: pd.DataFrame, centroids: pd.DataFrame, chunk_size: int
) -> pd.DataFrame:
    """Assign every customer using the centroid table (one row per customer)."""
    return assign_customers(customers, ClusterModel.from_centroid_table(centroids), chunk_size)
