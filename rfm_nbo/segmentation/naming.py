"""Business names for clusters that never flatter: prototypes, dominance, optimal matching.

The rule, in full:

1. Rank space. Every sampled customer gets a percentile per measure, the
   mid-rank ``(rank - 0.5) / n`` with ties averaged: ``r`` from recency
   (most recent = 1), ``f`` from frequency, ``m`` from monetary. A cluster's
   *profile* is the mean percentile of its members, so (0.9, 0.2, 0.4) reads
   "its average customer bought more recently than 90% of customers, ...".
   Ranks make the rule independent of currency, of the length of the lookback
   and of the long tails; they depend only on the K-Means labels, not on how
   K-Means numbered them.
2. Prototypes: the seed ``seeds/reference/kmeans_name_prototypes.csv``
   (``prototypes.prototypes_from_frame`` reads it). Each names a point of that space
   (Champions at (0.85, 0.85, 0.85), Lost at (0.1, 0.2, 0.2), ...) and, per
   measure, the *direction* the name is about: ``high``, ``low`` or blank
   (the name says nothing about that measure). Champions is about high r, f
   and m; Loyal Customers about high r and f; Lost about low r and f; Need
   Attention about nothing.
3. Dominance. Cluster B *dominates* cluster A for prototype P when B is at
   least as good as A on every measure P is about, in P's direction, and
   strictly better on at least one ("good" for a ``low`` measure is lower:
   a cluster dominates another for Lost when it is even more lapsed and buys
   even less often). A prototype about no measure is dominated by nothing.
   Prototype Q *outranks* P when Q's point is at least as far as P's, in P's
   directions, on every measure P is about: the name Q claims at least as
   much as P (Champions outranks Loyal Customers and Potential Loyalists,
   New Customers outranks Potential Loyalists, Lost outranks Hibernating).
4. Eligibility. Cluster A may take prototype P only when (a) its profile is
   within ``MAX_MATCH_DISTANCE`` (0.25, Euclidean) of P's point, and (b) for
   a prototype marked ``is_best_cluster_only`` (Champions), A is the cluster
   with the highest mean percentile over the measures P is about, in P's
   directions (ties: the first in canonical order). If that cluster is too
   far from Champions, no cluster is called Champions.
5. Matching. ``scipy.optimize.linear_sum_assignment`` pairs clusters with
   eligible prototypes, one prototype per cluster at most, minimising the
   total distance; a cluster may instead stay unnamed at the fixed cost
   ``MAX_MATCH_DISTANCE`` and an ineligible pair costs more than naming no
   cluster at all, so it is never chosen.
6. No flattery. After matching, a cluster A named P is *flattered* when some
   cluster B dominates it for P and B's own name does not outrank P (B has a
   descriptive name, or a prototype name claiming less). Every flattered
   pair (A, P) is made ineligible and step 5 runs again; each round removes
   at least one pair, so this ends. What comes out: whenever a cluster beats
   A on everything A's name is about, its own name claims at least as much.
   In particular the Champions cluster is dominated by no cluster on r, f
   and m (it has the highest mean of the three).
7. Descriptive names, for the clusters left without a prototype: one word
   per measure, relative to the k clusters' profiles: above the clusters'
   median is high ("Recent", "high frequency", "high spend"), below it low
   ("Lapsed", "low ...") and exactly at it (the middle cluster of an odd k)
   "Mid recency" / "mid ...". So "high frequency" is true: that cluster buys
   more often than the median cluster. Tie-break: clusters that would share
   the same words are told apart by the measure on which they are farthest
   apart (the largest smallest gap between neighbours, so that no two of them
   tie on it; equal gaps go to recency, then frequency, then spend), ranked
   on it: ", the more recent" / ", the less recent" for two, ", the most
   recent", ", the 2nd most recent", ..., ", the least recent" for more. Only
   clusters with identical profiles on all three measures (an empty cluster,
   duplicated customers) are numbered instead: ", twin 1 of 2".
8. A single cluster is "All customers".

Names depend only on the profiles in canonical cluster order and on the
prototypes (sorted by name), so they are the same whatever KMeans' label
order, the input row order or the order in which an engine returns the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

from rfm_nbo.segmentation.prototypes import MEASURES, Prototype

MAX_MATCH_DISTANCE = 0.25
"""A prototype name is given only within this distance (rank space; the cube's diagonal is 1.73).

0.25 is, for example, 0.14 off in every dimension, or 0.25 off in one: a
cluster that far from Champions still has clearly top-tier R, F and M. In the
planted-cluster tests, and on the project's generator data with k=6, every
true type lands within 0.15 of its prototype, so 0.25 leaves room for real
data without naming just anything.
"""

SINGLE_CLUSTER_NAME = "All customers"

# Words of descriptive names: (low, at the median, high) per measure, and the
# comparatives of the tie-break: (more, most, less, least).
_LEVEL_WORDS = {
    "recency": ("Lapsed", "Mid recency", "Recent"),
    "frequency": ("low frequency", "mid frequency", "high frequency"),
    "monetary": ("low spend", "mid spend", "high spend"),
}
_COMPARATIVES = {
    "recency": ("more recent", "most recent", "less recent", "least recent"),
    "frequency": ("more frequent", "most frequent", "less frequent", "least frequent"),
    "monetary": ("higher spending", "highest spending", "lower spending", "lowest spending"),
}
_MEASURE_LABELS = {"recency": "recency", "frequency": "frequency", "monetary": "spend"}
_DIRECTION_WORDS = {
    ("recency", "high"): "more recent",
    ("recency", "low"): "less recent",
    ("frequency", "high"): "more frequent",
    ("frequency", "low"): "less frequent",
    ("monetary", "high"): "higher spend",
    ("monetary", "low"): "lower spend",
}


@dataclass(frozen=True)
class ClusterNaming:
    """The name given to one cluster, how well it fits, and why."""

    cluster_name: str
    matched_prototype: str | None
    match_distance: float | None
    closest_prototype: str | None
    closest_prototype_distance: float | None
    naming_reason: str

    @property
    def is_descriptive_name(self) -> bool:
        """True when no prototype was given and the name describes the profile instead."""
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


def dominates(better: Sequence[float], worse: Sequence[float], prototype: Prototype) -> bool:
    """True when profile ``better`` dominates ``worse`` on the measures the prototype is about."""
    signs = prototype.signs()
    if not signs.any():
        return False
    gains = (np.asarray(better, dtype=np.float64) - np.asarray(worse, dtype=np.float64)) * signs
    about = prototype.about()
    return bool((gains[about] >= 0).all() and (gains[about] > 0).any())


def outranks(stronger: Prototype, weaker: Prototype) -> bool:
    """True when ``stronger``'s point is at least as far as ``weaker``'s in ``weaker``'s directions.

    A prototype about no measure is outranked by nothing (nothing dominates
    its clusters anyway), and no prototype outranks itself.
    """
    about = weaker.about()
    if stronger.name == weaker.name or not about:
        return False
    gains = (stronger.point() - weaker.point()) * weaker.signs()
    return bool((gains[about] >= 0).all())


def best_cluster(profiles: np.ndarray, prototype: Prototype) -> int:
    """The cluster with the highest mean percentile over the prototype's measures (ties: first)."""
    about = prototype.about()
    oriented = np.where(prototype.signs() < 0, 1.0 - profiles, profiles)
    return int(np.argmax(oriented[:, about].mean(axis=1)))


def descriptive_names(profiles: np.ndarray) -> list[str]:
    """Each cluster in words relative to the clusters' median: 'Lapsed, low frequency, high spend'.

    The base words only; ``name_clusters`` adds the tie-break for clusters
    that share them.
    """
    medians = _median_profile(profiles)
    names = []
    for profile in profiles:
        words = []
        for position, measure in enumerate(MEASURES):
            low, mid, high = _LEVEL_WORDS[measure]
            value, median = profile[position], medians[position]
            words.append(high if value > median else low if value < median else mid)
        names.append(", ".join(words))
    return names


def name_clusters(
    profiles: np.ndarray,
    prototypes: Sequence[Prototype],
    max_distance: float = MAX_MATCH_DISTANCE,
) -> list[ClusterNaming]:
    """Name clusters (rows of ``profiles``, in canonical order) by the rule in the module doc."""
    k = profiles.shape[0]
    if k == 1:
        return [ClusterNaming(SINGLE_CLUSTER_NAME, None, None, None, None, "a single cluster")]
    prototypes = sorted(prototypes, key=lambda prototype: prototype.name)
    if not prototypes:
        raise ValueError("no naming prototypes: seed kmeans_name_prototypes is empty")
    points = np.array([prototype.point() for prototype in prototypes])
    distances = np.sqrt(((profiles[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    # Why each (cluster, prototype) pair is ineligible; absent = eligible.
    blocked: dict[tuple[int, int], str] = {}
    for column, prototype in enumerate(prototypes):
        best = best_cluster(profiles, prototype) if prototype.is_best_cluster_only else None
        for cluster in range(k):
            if distances[cluster, column] > max_distance:
                blocked[cluster, column] = (
                    f"{distances[cluster, column]:.3f} from {prototype.name}, "
                    f"beyond {max_distance:g}"
                )
            elif best is not None and cluster != best:
                blocked[cluster, column] = (
                    f"{prototype.name} goes only to the cluster with the highest mean "
                    f"{_measure_list(prototype)} percentile (cluster {best + 1})"
                )
    while True:
        matched = _match(distances, blocked, max_distance)
        flattered = _flattered(profiles, prototypes, matched)
        if not flattered:
            break
        blocked.update(flattered)
    return _namings(profiles, prototypes, distances, matched, blocked)


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
            "naming_reason": [naming.naming_reason for naming in namings],
        }
    )


def _match(
    distances: np.ndarray, blocked: dict[tuple[int, int], str], max_distance: float
) -> dict[int, int]:
    """Optimal matching of clusters to eligible prototypes: cluster -> prototype column."""
    k, n_prototypes = distances.shape
    # More than naming no cluster at all (k * max_distance): never worth choosing.
    forbidden = (k + 1) * max(max_distance, 1.0)
    costs = distances.copy()
    for cluster, column in blocked:
        costs[cluster, column] = forbidden
    # Columns: every prototype, then k interchangeable "no prototype" options.
    costs = np.hstack([costs, np.full((k, k), max_distance)])
    rows, columns = linear_sum_assignment(costs)
    return {
        int(cluster): int(column)
        for cluster, column in zip(rows.tolist(), columns.tolist())  # noqa: B905 (Python 3.9)
        if column < n_prototypes
    }


def _flattered(
    profiles: np.ndarray, prototypes: Sequence[Prototype], matched: dict[int, int]
) -> dict[tuple[int, int], str]:
    """Matched pairs (cluster, prototype column) that a cluster with a weaker name dominates."""
    flattered = {}
    for cluster, column in matched.items():
        prototype = prototypes[column]
        for other in range(profiles.shape[0]):
            if other == cluster or not dominates(profiles[other], profiles[cluster], prototype):
                continue
            other_column = matched.get(other)
            if other_column is not None and outranks(prototypes[other_column], prototype):
                continue
            flattered[cluster, column] = (
                f"cluster {other + 1} dominates it ({_measure_list(prototype, True)}) "
                f"and has no name that claims as much as {prototype.name}"
            )
            break
    return flattered


def _namings(
    profiles: np.ndarray,
    prototypes: Sequence[Prototype],
    distances: np.ndarray,
    matched: dict[int, int],
    blocked: dict[tuple[int, int], str],
) -> list[ClusterNaming]:
    """Assemble the final names: prototypes where matched, unique descriptive names elsewhere."""
    k = profiles.shape[0]
    base = descriptive_names(profiles)
    unnamed = [cluster for cluster in range(k) if cluster not in matched]
    suffixes = _tie_break_suffixes(profiles, base, unnamed)
    owner = {column: cluster for cluster, column in matched.items()}
    namings = []
    for cluster in range(k):
        closest = int(np.argmin(distances[cluster]))
        column = matched.get(cluster)
        if column is not None:
            prototype = prototypes[column]
            name = prototype.name
            reason = f"{prototype.name}: {distances[cluster, column]:.3f} from the prototype"
            if prototype.is_best_cluster_only:
                reason += f"; highest mean {_measure_list(prototype)} percentile"
            elif prototype.about():
                reason += (
                    f"; no cluster with a weaker name dominates it "
                    f"({_measure_list(prototype, True)})"
                )
        else:
            name = base[cluster] + suffixes.get(cluster, "")
            if (cluster, closest) in blocked:
                why = blocked[cluster, closest]
            elif closest in owner:
                why = f"{prototypes[closest].name} fits cluster {owner[closest] + 1} better"
            else:
                why = f"no eligible prototype within {MAX_MATCH_DISTANCE:g}"
            reason = f"descriptive: closest prototype {prototypes[closest].name}: {why}"
        namings.append(
            ClusterNaming(
                cluster_name=name,
                matched_prototype=None if column is None else prototypes[column].name,
                match_distance=None if column is None else float(distances[cluster, column]),
                closest_prototype=prototypes[closest].name,
                closest_prototype_distance=float(distances[cluster, closest]),
                naming_reason=reason,
            )
        )
    names = [naming.cluster_name for naming in namings]
    if len(set(names)) != len(names):
        raise ValueError(
            f"cluster names collide: {names}; a prototype in seed kmeans_name_prototypes "
            "is named like a descriptive name: rename it"
        )
    return namings


def _tie_break_suffixes(
    profiles: np.ndarray, base: list[str], unnamed: list[int]
) -> dict[int, str]:
    """Suffixes that make the descriptive names of ``unnamed`` clusters unique (module doc, 7)."""
    groups: dict[str, list[int]] = {}
    for cluster in unnamed:
        groups.setdefault(base[cluster], []).append(cluster)
    suffixes = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        values = profiles[members]
        # The measure whose smallest gap between neighbouring members is largest.
        gaps = [float(np.diff(np.sort(values[:, position])).min()) for position in range(3)]
        position = int(np.argmax(gaps))
        if gaps[position] <= 0.0:
            for number, cluster in enumerate(members, start=1):
                suffixes[cluster] = f", twin {number} of {len(members)}"
            continue
        more, most, less, least = _COMPARATIVES[MEASURES[position]]
        order = sorted(members, key=lambda cluster: -profiles[cluster, position])
        for rank, cluster in enumerate(order, start=1):
            if len(order) == 2:
                word = more if rank == 1 else less
            elif rank == 1:
                word = most
            elif rank == len(order):
                word = least
            else:
                word = f"{_ordinal(rank)} {most}"
            suffixes[cluster] = f", the {word}"
    return suffixes


def _median_profile(profiles: np.ndarray) -> np.ndarray:
    """Per measure, the clusters' median: the middle value, or the mean of the two middle ones."""
    ordered = np.sort(profiles, axis=0)
    middle = ordered.shape[0] // 2
    if ordered.shape[0] % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def _measure_list(prototype: Prototype, directional: bool = False) -> str:
    """'recency, frequency and spend' (or 'more recent and less frequent') for a prototype."""
    labels = [
        _DIRECTION_WORDS[MEASURES[position], prototype.directions[position]]
        if directional
        else _MEASURE_LABELS[MEASURES[position]]
        for position in prototype.about()
    ]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _ordinal(number: int) -> str:
    """2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"
