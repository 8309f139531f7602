"""The dbt Python models, run as dbt-duckdb runs them: DuckDB relations in, DuckDB tables out.

A small stand-in for dbt's ``dbtObj`` (``ref``, ``config``, ``config.meta_get``)
runs the real model files against an in-memory DuckDB, and the results are
written the way dbt-duckdb's ``materialize`` writes them (register, then
``create table as``, on a second cursor). The outcome must equal the plain
pandas pipeline.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dbt_fakes import FakeDbt, load_model, materialize
from planted import planted_customers
from seed_prototypes import seed_frame, seed_prototypes

from rfm_nbo.segmentation import (
    KMeansSettings,
    assign_clusters,
    diagnose_k,
    draw_sample,
    fit_named_clusters,
)
from rfm_nbo.segmentation.engines import sample_relation, to_model_output
from rfm_nbo.segmentation.model import centroid_schema
from rfm_nbo.segmentation.pipeline import chosen_k


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nulls as None in text columns: DuckDB returns None where pandas' string dtype has NA."""
    return frame.astype(object).where(frame.notna(), None)


@pytest.fixture
def population() -> pd.DataFrame:
    return planted_customers(3_000, seed=5).drop(columns=["planted_type"])


def test_models_on_duckdb_equal_the_pandas_pipeline(population: pd.DataFrame) -> None:
    meta = {"kmeans_sample_size": "1500", "kmeans_chunk_size": 400, "kmeans_k": None}
    con = duckdb.connect()
    con.register("population", population)
    con.execute("create table int_customers_rfm_scored as select * from population")
    con.register("prototypes", seed_frame())
    con.execute("create table kmeans_name_prototypes as select * from prototypes")
    dbt = FakeDbt(con, meta)
    for name in ("int_kmeans_diagnostics", "int_kmeans_centroids", "int_customers_clustered"):
        materialize(con, name, load_model(name).model(dbt, con))

    settings = KMeansSettings(sample_size=1_500, chunk_size=400)
    sample = draw_sample(population, settings)
    diagnostics = diagnose_k(sample, settings)
    _, centroids = fit_named_clusters(
        sample, chosen_k(diagnostics, settings), settings, seed_prototypes()
    )
    assignments = assign_clusters(population, centroids, settings.chunk_size)

    for name, expected in (
        ("int_kmeans_diagnostics", diagnostics),
        ("int_kmeans_centroids", centroids),
        ("int_customers_clustered", assignments),
    ):
        built = con.sql(f"select * from {name} order by 1").df()
        pd.testing.assert_frame_equal(plain(built), plain(expected), check_dtype=False)
    types = {row[0]: row[1] for row in con.sql("describe int_customers_clustered").fetchall()}
    assert types == {
        "customer_id": "VARCHAR",
        "cluster_id": "INTEGER",
        "cluster_name": "VARCHAR",
        "distance_to_centroid": "DOUBLE",
        "recency_days": "BIGINT",
        "frequency": "BIGINT",
        "monetary": "DOUBLE",
    }


def test_duckdb_sample_streams_decimals_and_matches_pandas(population: pd.DataFrame) -> None:
    con = duckdb.connect()
    con.register("population", population)
    con.execute(
        "create table customers as select customer_id, recency_days, frequency, "
        "cast(monetary as decimal(18, 2)) as monetary from population"
    )
    settings = KMeansSettings(sample_size=700, chunk_size=250)
    streamed = sample_relation(con.table("customers"), settings)
    expected = draw_sample(population, settings)
    assert streamed["customer_id"].tolist() == expected["customer_id"].tolist()
    assert streamed["monetary"].astype(float).tolist() == expected["monetary"].tolist()


def test_all_null_columns_keep_their_types_in_duckdb() -> None:
    one_kind = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "recency_days": [3, 3],
            "frequency": [1, 1],
            "monetary": [9.5, 9.5],
        }
    )
    settings = KMeansSettings()
    model, table = fit_named_clusters(
        draw_sample(one_kind, settings), 1, settings, seed_prototypes()
    )
    con = duckdb.connect()
    con.register("centroids", to_model_output(table, con, centroid_schema(model.feature_names)))
    types = {row[0]: row[1] for row in con.sql("describe select * from centroids").fetchall()}
    assert types["match_distance"] == "DOUBLE"
    assert types["matched_prototype"] == "VARCHAR"
    assert types["is_descriptive_name"] == "BOOLEAN"
