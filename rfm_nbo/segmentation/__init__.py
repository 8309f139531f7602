"""K-Means behavioural segments: plain, tested functions behind the dbt Python models.

The dbt models in ``python_models/segmentation/`` are thin glue around this package:

- ``settings``   run parameters (the ``kmeans_*`` dbt vars), validated once.
- ``features``   log-transformed R, F, M (+ optional extra columns) and their standardization.
- ``sampling``   a deterministic sample keyed on a hash of customer_id, the same on every engine.
- ``fitting``    one deterministic KMeans fit, silhouette, canonical cluster order.
- ``selection``  k selection over a range: the diagnostics table (elbow, silhouette,
                 stability over 5 subsamples, runner-up and warnings).
- ``naming``     business names that never flatter: prototypes (seed
                 kmeans_name_prototypes), dominance, optimal matching, descriptive names.
- ``model``      the fitted model and its round trip through the centroid table.
- ``pipeline``   the three steps the dbt models call: diagnose, fit and name, assign.
- ``assignment`` nearest-centroid assignment in bounded chunks.
- ``schema``     engine-neutral column types of the three output tables.
- ``engines``    converting dbt relations (DuckDB, Spark, pandas) to and from pandas.
- ``spark``      the Spark path: sample in Spark, assign with ``mapInPandas``.

Compatibility: the same code runs on Athena for Apache Spark (PySpark engine v3:
Python 3.9, scikit-learn 1.1, pandas 1.4, numpy 1.2x) and locally on current
versions. So it avoids: ``KMeans(n_init="auto")`` (n_init is always an int),
``set_output``, ``algorithm="auto"`` (we pass ``"lloyd"``, which 1.1 has),
pandas 2-only methods (``DataFrame.map``, ``case_when``, copy-on-write
assumptions, pyarrow-backed dtypes), numpy 2-only functions, and Python 3.10+
syntax at run time (``match``, ``zip(strict=)``, ``X | Y`` outside annotations,
dataclass ``slots``/``kw_only``); every module has ``from __future__ import
annotations`` so the ``X | None`` hints are never evaluated. What is checked:
the tests run only on the versions pinned in ``requirements.lock`` (newer than
Athena's); the old-version constraints above are enforced by a static scan,
``rfm_nbo.portability.spark_runtime`` (pytests/spark/test_athena_spark_runtime.py),
which finds Python 3.10+ syntax and APIs newer than engine v3's by name in the
code Athena Spark imports. Nothing runs this code on scikit-learn 1.1 or
pandas 1.4 (docs/athena.md: k-means++ seeding there may differ). Spark 3.2
specifics are in ``spark``.
"""

from __future__ import annotations

from rfm_nbo.segmentation.assignment import assign_customers, iter_assignments
from rfm_nbo.segmentation.model import ClusterModel
from rfm_nbo.segmentation.pipeline import (
    assign_clusters,
    diagnose_k,
    draw_sample,
    fit_named_clusters,
)
from rfm_nbo.segmentation.settings import KMeansSettings

__all__ = [
    "ClusterModel",
    "KMeansSettings",
    "assign_clusters",
    "assign_customers",
    "diagnose_k",
    "draw_sample",
    "fit_named_clusters",
    "iter_assignments",
]
