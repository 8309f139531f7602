"""Business names for clusters: optimal one-to-one matching of cluster profiles to prototypes.

The rule, in full:

1. Rank space. Every sampled customer gets a percentile per dimension, the
   mid-rank ``(rank - 0.5) / n`` with ties averaged: ``r`` from recency
   (most recent = 1), ``f`` from frequency, ``m`` from monetary. A cluster's
   *profile* is the mean percentile of its members, so (0.9, 0.2, 0.4) reads
   "its average customer bought more recently than 90% of customers, ...".
   Ranks make the rule independent of currency, of the length of the lookback
   and of the long tails; they depend only on the K-Means labels, not on how
   K-Means numbered them.
2. Prototypes. ``PROTOTYPES`` places each segment name at a point of that
   space: Champions at (0.85, 0.85, 0.85), Lost at (0.1, 0.2, 0.2), ... Two
   placements are deliberate. "Low frequency" sits at 0.2, not 0: most retail
   customers have one order, and tied ranks average out, so a cluster of
   one-order customers cannot go lower than half the one-order share. At Risk
   (frequent, valuable, slipping) sits at recency 0.35, not near 0: where
   most buyers have long lapsed, a frequent buyer away for a median time is
   already the one to win back.
3. Matching. ``scipy.optimize.linear_sum_assignment`` pairs clusters with
   prototypes to minimise the total Euclidean distance, one prototype per
   cluster at most. Each cluster may instead take its *descriptive* name at a
   fixed cost, ``MAX_MATCH_DISTANCE`` (0.25): the optimum therefore never
   gives a prototype name farther than that, and a cluster that fits no
   prototype is called what it is, e.g. "Lapsed, mid frequency, high spend",
   instead of a flattering wrong name.
4. Unique names. Prototype names are distinct by construction; descriptive
   names that collide get " (cluster N)". A single cluster is "All customers".

Names depend only on the profiles in canonical cluster order, so they are the
same whatever KMeans' label order or the input row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

MAX_MATCH_DISTANCE = 0.25
"""A prototype name is given only within this distance (rank space; the cube's diagonal is 1.73).

0.25 is, for example, 0.14 off in every dimension, or 0.25 off in one: a
cluster that far from Champions still has clearly top-tier R, F and M. In the
planted-cluster tests, and on the project's generator data with k=6, every
true type lands within 0.15 of its prototype, so 0.25 leaves room for real
data without naming just anything.
"""

SINGLE_CLUSTER_NAME = "All customers"
LOW_LEVEL = 0.4
HIGH_LEVEL = 0.6


@dataclass(frozen=True)
class Prototype:
    """A named point in rank space: mean percentiles of recency (1 = most recent), F and M."""

    name: str
    recency: float
    frequency: float
    monetary: float

    def point(self) -> np.ndarray:
        """The prototype as an (r, f, m) vector."""
        return np.array([self.recency, self.frequency, self.monetary])


# Names follow the classic RFM segments of seeds/reference/rfm_segment_rules.csv,
# plus Big Spenders (few orders, large baskets), which the score boxes lack.
# Neighbouring prototypes are 0.27 or more apart; where a profile sits
# between two, the one-to-one matching, not the nearest prototype alone, decides.
PROTOTYPES: tuple[Prototype, ...] = (
    Prototype("Champions", 0.85, 0.85, 0.85),
    Prototype("Loyal Customers", 0.65, 0.75, 0.7),
    Prototype("Potential Loyalists", 0.8, 0.5, 0.5),
    Prototype("New Customers", 0.85, 0.2, 0.3),
    Prototype("Big Spenders", 0.5, 0.4, 0.85),
    Prototype("Need Attention", 0.5, 0.5, 0.5),
    Prototype("At Risk", 0.35, 0.7, 0.7),
    Prototype("Hibernating", 0.3, 0.35, 0.35),
    Prototype("Lost", 0.1, 0.2, 0.2),
)


@dataclass(frozen=True)
class ClusterNaming:
    """The name given to one cluster and how well it fits."""

    cluster_name: str
    matched_prototype: str | None
    match_distance: float | None
    closest_prototype: str | None
    closest_prototype_distance: float | None

    @property
    def is_descriptive_name(self) -> bool:
        """True when no prototype fitted and the name describes the profile instead."""
        return self.matched_prototype is None


def rank_percentiles(rfm_log: np.ndarray) -> np.ndarray:
    """Mid-rank percentiles per customer for (recency, frequency, monetary), recency inverted.

    ``rfm_log`` holds the three base columns (any monotone transform gives the
    same ranks). Ties share the average rank, so equal values get equal
    percentiles.
    """
    n = rfm_log.shape[0]
    percentiles = np.empty((n, 3), dtype=np.float64)
    for column in range(3):
        values = rfm_log[:, column] * (-1.0 if column == 0 else 1.0)
        percentiles[:, column] = (rankdata(values, method="average") - 0.5) / n
    return percentiles


def cluster_profiles(percentiles: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean percentile per cluster (k x 3); an empty cluster gets the neutral 0.5."""
    profiles = np.full((k, 3), 0.5)
    for cluster in range(k):
        members = percentiles[labels == cluster]
        if len(members):
            profiles[cluster] = members.mean(axis=0)
    return profiles


def descriptive_name(profile: Sequence[float]) -> str:
    """Plain description of a profile, e.g. 'Lapsed, low frequency, high spend'."""
    recency, frequency, monetary = profile
    return (
        f"{_level(recency, 'Lapsed', 'Mid recency', 'Recent')}, "
        f"{_level(frequency, 'low', 'mid', 'high')} frequency, "
        f"{_level(monetary, 'low', 'mid', 'high')} spend"
    )


def name_clusters(
    profiles: np.ndarray,
    prototypes: Sequence[Prototype] = PROTOTYPES,
    max_distance: float = MAX_MATCH_DISTANCE,
) -> list[ClusterNaming]:
    """Name clusters (rows of ``profiles``, in canonical order) by the rule in the module doc."""
    k = profiles.shape[0]
    if k == 1:
        return [ClusterNaming(SINGLE_CLUSTER_NAME, None, None, None, None)]
    points = np.array([prototype.point() for prototype in prototypes])
    distances = np.sqrt(((profiles[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    # Columns: every prototype, then k interchangeable "descriptive name" options.
    costs = np.hstack([distances, np.full((k, k), max_distance)])
    rows, columns = linear_sum_assignment(costs)
    chosen = dict(zip(rows.tolist(), columns.tolist()))  # noqa: B905 (no strict= on Python 3.9)
    namings = []
    for cluster in range(k):
        closest = int(np.argmin(distances[cluster]))
        column = chosen[cluster]
        matched = column < len(prototypes)
        namings.append(
            ClusterNaming(
                cluster_name=(
                    prototypes[column].name if matched else descriptive_name(profiles[cluster])
                ),
                matched_prototype=prototypes[column].name if matched else None,
                match_distance=float(distances[cluster, column]) if matched else None,
                closest_prototype=prototypes[closest].name,
                closest_prototype_distance=float(distances[cluster, closest]),
            )
        )
    return _make_unique(namings)


def naming_table(namings: Sequence[ClusterNaming]) -> pd.DataFrame:
    """The namings as columns (one row per cluster, same order)."""
    return pd.DataFrame(
        {
            "cluster_name": [naming.cluster_name for naming in namings],
            "matched_prototype": [naming.matched_prototype for naming in namings],
            "match_distance": [naming.match_distance for naming in namings],
            "closest_prototype": [naming.closest_prototype for naming in namings],
            "closest_prototype_distance": [naming.closest_prototype_distance for naming in namings],
            "is_descriptive_name": [naming.is_descriptive_name for naming in namings],
        }
    )


def _level(value: float, low: str, mid: str, high: str) -> str:
    """Word for a percentile: below LOW_LEVEL, between, above HIGH_LEVEL."""
    if value < LOW_LEVEL:
        return low
    if value > HIGH_LEVEL:
        return high
    return mid


def _make_unique(namings: list[ClusterNaming]) -> list[ClusterNaming]:
    """Suffix repeated descriptive names with the 1-based cluster position."""
    names = [naming.cluster_name for naming in namings]
    unique = []
    for position, naming in enumerate(namings):
        if names.count(naming.cluster_name) > 1:
            naming = ClusterNaming(
                f"{naming.cluster_name} (cluster {position + 1})",
                naming.matched_prototype,
                naming.match_distance,
                naming.closest_prototype,
                naming.closest_prototype_distance,
            )
        unique.append(naming)
    return unique
