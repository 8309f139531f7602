"""The sample is a function of the set of customers only: not of row order, chunking or engine."""

from __future__ import annotations

import pandas as pd
import pytest
from planted import planted_customers

from rfm_nbo.segmentation.sampling import (
    SAMPLE_HASH_COLUMN,
    bottom_k,
    sample_customers,
    sample_customers_from_chunks,
    subsample_positions,
)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return planted_customers(3_000).drop(columns=["planted_type"])


def test_sample_size_and_independence_from_row_order(population: pd.DataFrame) -> None:
    sample = sample_customers(population, 500, seed=42)
    shuffled = population.sample(frac=1.0, random_state=3)
    assert len(sample) == 500
    pd.testing.assert_frame_equal(sample, sample_customers(shuffled, 500, seed=42))


def test_a_smaller_sample_is_the_head_of_a_larger_one(population: pd.DataFrame) -> None:
    # What makes "the first m rows" a valid random silhouette subsample.
    small = sample_customers(population, 100, seed=42)
    large = sample_customers(population, 800, seed=42)
    pd.testing.assert_frame_equal(small, large.head(100))


def test_streamed_sample_equals_in_memory_sample(population: pd.DataFrame) -> None:
    chunks = (population.iloc[start : start + 257] for start in range(0, len(population), 257))
    streamed = sample_customers_from_chunks(chunks, 500, seed=42)
    pd.testing.assert_frame_equal(streamed, sample_customers(population, 500, seed=42))


def test_seed_changes_the_sample_and_small_inputs_are_kept_whole(
    population: pd.DataFrame,
) -> None:
    first = set(sample_customers(population, 500, seed=1)["customer_id"])
    second = set(sample_customers(population, 500, seed=2)["customer_id"])
    assert first != second
    assert len(sample_customers(population.head(10), 500, seed=1)) == 10


def test_duplicate_or_null_customer_ids_are_rejected(population: pd.DataFrame) -> None:
    doubled = pd.concat([population.head(5), population.head(5)])
    with pytest.raises(ValueError, match="customer_id must be unique"):
        sample_customers(doubled, 100, seed=1)
    with_null = population.head(5).astype({"customer_id": object})
    with_null.loc[2, "customer_id"] = None
    with pytest.raises(ValueError, match="customer_id is null"):
        sample_customers(with_null, 100, seed=1)


def test_stability_subsamples_depend_on_the_customers_not_on_row_order(
    population: pd.DataFrame,
) -> None:
    sample = sample_customers(population, 800, seed=42)
    subsamples = subsample_positions(sample["customer_id"], 42, 5, 400)
    assert [len(positions) for positions in subsamples] == [400] * 5
    assert all(len(set(positions)) == 400 for positions in subsamples)
    chosen = [sample["customer_id"].iloc[positions].tolist() for positions in subsamples]
    # Five different halves (keys 43..47), each drawn by its own hash.
    assert len({tuple(sorted(ids)) for ids in chosen}) == 5
    # The same customers, in the same order, whatever order the sample rows come in.
    reversed_sample = sample.iloc[::-1].reset_index(drop=True)
    again = subsample_positions(reversed_sample["customer_id"], 42, 5, 400)
    assert [reversed_sample["customer_id"].iloc[p].tolist() for p in again] == chosen
    # Each subsample is a bottom-k, so a smaller one is the head of a larger one.
    smaller = subsample_positions(sample["customer_id"], 42, 5, 100)
    assert [p.tolist() for p in smaller] == [p[:100].tolist() for p in subsamples]


def test_bottom_k_breaks_equal_hashes_by_customer_id() -> None:
    # Hashes set by hand: 5 appears three times and straddles the cut at k = 3,
    # so the kept rows and their order come from customer_id among the 5s.
    hashed = pd.DataFrame(
        {"customer_id": ["e", "d", "c", "b", "a"], SAMPLE_HASH_COLUMN: [9, 5, 1, 5, 5]}
    )
    assert list(bottom_k(hashed, 3)["customer_id"]) == ["c", "a", "b"]
    distinct = hashed.assign(**{SAMPLE_HASH_COLUMN: [9, 4, 1, 6, 5]})
    assert list(bottom_k(distinct, 3)["customer_id"]) == ["c", "d", "a"]
