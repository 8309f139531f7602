"""Benchmark of the dbt project (``python -m rfm_nbo.bench``, ``make bench``).

At each scale, on the same generated Parquet data: the full ``dbt build``
(per-node times, wall time, peak memory), RFM + clustering alone, the floor
(one hand-written DuckDB query, ``floor.sql``) and the notebook approach
(pandas + scikit-learn on all rows), with checks that the baselines compute
what our models compute. Method and results: docs/benchmark.md.
"""
