"""One deterministic K-Means fit, its silhouette, and the canonical order of its clusters.

Determinism: ``random_state`` fixes the k-means++ seeding, ``n_init`` is an
explicit int (scikit-learn 1.4 changed the default to "auto", and 1.1 has no
"auto"), and the fit runs on one BLAS/OpenMP thread (threadpoolctl): with
several threads scikit-learn's Lloyd iterations add per-thread partial sums in
whatever order the threads finish, which can change the last bits of the
centroids and, rarely, a label. The samples we fit are small (20,000 rows by
default), so one thread costs little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits


@dataclass(frozen=True)
class KMeansFit:
    """Centroids (standardized space) and labels of one fit; label i is row i of ``centroids``."""

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float


def count_distinct_rows(matrix: np.ndarray) -> int:
    """Number of distinct customers in feature space (K-Means cannot make more clusters)."""
    if matrix.shape[0] == 0:
        return 0
    return int(np.unique(matrix, axis=0).shape[0])


def fit_kmeans(scaled: np.ndarray, k: int, seed: int, n_init: int) -> KMeansFit:
    """Fit K-Means with k clusters; the caller guarantees k <= distinct rows."""
    if k == 1:
        # One cluster needs no search: the centroid is the mean.
        centroid = scaled.mean(axis=0, keepdims=True)
        inertia = float(((scaled - centroid) ** 2).sum())
        return KMeansFit(centroid, np.zeros(scaled.shape[0], dtype=np.int64), inertia)
    with threadpool_limits(limits=1):
        kmeans = KMeans(
            n_clusters=k,
            init="k-means++",
            n_init=n_init,
            max_iter=300,
            tol=1e-4,
            algorithm="lloyd",
            random_state=seed,
        )
        kmeans.fit(scaled)
    return KMeansFit(
        centroids=np.asarray(kmeans.cluster_centers_, dtype=np.float64),
        labels=np.asarray(kmeans.labels_, dtype=np.int64),
        inertia=float(kmeans.inertia_),
    )


def silhouette(scaled: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette of the given points, or None where it is undefined.

    Undefined (scikit-learn would raise) when there are fewer than 2 distinct
    labels or as many labels as points, e.g. all customers identical, or two
    customers in two clusters.
    """
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels > scaled.shape[0] - 1:
        return None
    with threadpool_limits(limits=1):
        return float(silhouette_score(scaled, labels, metric="euclidean"))


def canonical_order(sort_keys: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Return the permutation that sorts clusters by descending ``sort_keys``, ties by centroid.

    K-Means numbers clusters arbitrarily (by which seed point won); renumbering
    by a property of the centroid makes cluster ids independent of that, and so
    stable across reruns and input orders.
    """
    # np.lexsort sorts by the last key first: centroid coordinates break ties.
    keys = [centroids[:, column] for column in reversed(range(centroids.shape[1]))]
    return np.lexsort([*keys, -np.asarray(sort_keys, dtype=np.float64)])
