"""A deterministic, engine-independent sample of customers: the bottom-k of a customer_id hash.

Why a hash and not ``DataFrame.sample``: Spark's ``sample`` and pandas'
``sample`` draw different rows from the same seed, and both depend on row
order and partitioning. Keying the sample on a seeded hash of customer_id
makes it a function of the *set* of customers only: pandas, DuckDB (streamed
in chunks) and Spark (on executors, then ``orderBy(...).limit(n)``) keep the
very same rows, so the fit, which depends only on the sample, is the same on
every engine. The sample is returned sorted by (hash, customer_id), a canonical
order that makes the fit independent of input row order too; its first m rows
are themselves the bottom-m sample, used for the silhouette.

The hash is pandas' SipHash (``pandas.util.hash_array``, in pandas since 0.20
and unchanged through 3.x) with a key derived from the seed.

The k-stability check (``selection``) needs a few subsamples of the sample;
they are drawn the same way (``subsample_positions``): subsample j keeps the
rows with the smallest hash under the key ``seed + j``, so they too depend only
on the set of customers and the seed, and are the same on every engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

SAMPLE_HASH_COLUMN = "_sample_hash"
_SIGN_BIT = np.uint64(1 << 63)


def customer_hash(customer_ids: pd.Series, seed: int) -> np.ndarray:
    """Return a seeded 64-bit hash per customer_id, as int64 ordered like the unsigned hash.

    Flipping the sign bit maps uint64 onto int64 preserving order, so Spark
    (which has no unsigned type) sorts the values exactly as numpy does.
    """
    if customer_ids.isna().any():
        raise ValueError("customer_id is null for some customers: every customer needs an id")
    ids = np.asarray(customer_ids.astype(str), dtype=object)
    hashed = pd.util.hash_array(ids, hash_key=f"{seed:016d}", categorize=False)
    return (hashed.astype(np.uint64) ^ _SIGN_BIT).view(np.int64)


def with_sample_hash(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Return a copy of ``df`` with the sample hash column added."""
    hashed = df.copy()
    hashed[SAMPLE_HASH_COLUMN] = customer_hash(df["customer_id"], seed)
    return hashed


def bottom_k(hashed: pd.DataFrame, sample_size: int) -> pd.DataFrame:
    """Keep the ``sample_size`` rows with the smallest (hash, customer_id), in that order.

    Sorting by the text of customer_id is what costs (pandas factorizes it),
    and it only decides between equal 64-bit hashes, which practically never
    occur: rows beyond the k-th smallest hash are dropped first, the rest
    sorted by hash alone, and the full two-key sort runs only when two kept
    hashes are equal. The result is the same either way.
    """
    hashes = hashed[SAMPLE_HASH_COLUMN].to_numpy()
    if len(hashed) > sample_size > 0:
        threshold = np.partition(hashes, sample_size - 1)[sample_size - 1]
        kept = np.flatnonzero(hashes <= threshold)
        hashed, hashes = hashed.iloc[kept], hashes[kept]
    order = np.argsort(hashes, kind="stable")
    ordered_hashes = hashes[order]
    if np.any(ordered_hashes[1:] == ordered_hashes[:-1]):
        ordered = hashed.sort_values([SAMPLE_HASH_COLUMN, "customer_id"], kind="mergesort")
    else:
        ordered = hashed.iloc[order]
    return ordered.head(sample_size).reset_index(drop=True)


def sample_customers(df: pd.DataFrame, sample_size: int, seed: int) -> pd.DataFrame:
    """Deterministic sample of at most ``sample_size`` customers, in canonical order.

    The hash column is dropped from the result. Raises when customer_id repeats
    in the sample: the input must have one row per customer.
    """
    sample = bottom_k(with_sample_hash(df, seed), sample_size)
    _require_unique_ids(sample)
    return sample.drop(columns=[SAMPLE_HASH_COLUMN])


def sample_customers_from_chunks(
    chunks: Iterable[pd.DataFrame],
    sample_size: int,
    seed: int,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The same sample as ``sample_customers``, drawn from a stream of chunks in bounded memory.

    Keeps a running bottom-k: memory is one chunk plus ``sample_size`` rows,
    whatever the number of customers.
    """
    kept: pd.DataFrame | None = None
    for chunk in chunks:
        part = chunk if columns is None else chunk[list(columns)]
        candidates = with_sample_hash(part, seed)
        if kept is not None:
            candidates = pd.concat([kept, candidates], ignore_index=True)
        kept = bottom_k(candidates, sample_size)
    if kept is None:
        raise ValueError("no customers to cluster: the input is empty")
    _require_unique_ids(kept)
    return kept.drop(columns=[SAMPLE_HASH_COLUMN])


def subsample_positions(
    customer_ids: pd.Series, seed: int, count: int, size: int
) -> list[np.ndarray]:
    """Row positions of ``count`` seeded subsamples of ``size`` rows each, drawn from a sample.

    Subsample j (1..count) is the bottom-``size`` of ``(hash under key
    (seed + j) mod 10^16, customer_id)``, in that order: as for the sample,
    its first m rows are themselves a random subset of m rows.
    """
    ids = customer_ids.astype(str).reset_index(drop=True)
    positions = []
    for number in range(1, count + 1):
        order = pd.DataFrame(
            {"hash": customer_hash(ids, (seed + number) % 10**16), "customer_id": ids}
        ).sort_values(["hash", "customer_id"], kind="mergesort")
        positions.append(order.index.to_numpy()[:size])
    return positions


def _require_unique_ids(sample: pd.DataFrame) -> None:
    """Raise when a customer_id appears twice (the input grain is one row per customer)."""
    duplicated = sample["customer_id"][sample["customer_id"].duplicated()]
    if len(duplicated):
        examples = ", ".join(map(str, duplicated.unique()[:5]))
        raise ValueError(f"customer_id must be unique (one row per customer); repeated: {examples}")
