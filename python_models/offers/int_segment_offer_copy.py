"""Offer copy per segment and offered product: thin glue around ``rfm_nbo.offers``.

Reads the segment briefs (a dozen rows) and the products offered to each
segment (segments x distinct products offered: hundreds of rows, so pandas is
fine on both engines), writes the copy with the configured provider (template
by default, Bedrock when ``llm_provider: bedrock``), and returns one row per
segment and offered product. Vars reach this model through ``config.meta`` in
``_offers__models.yml``; see docs/offer_copy.md.

On Athena for Apache Spark the runtime's boto3 is too old for Bedrock and
``rfm_nbo`` is not installed: with var ``spark_python_deps_s3_uri`` set, the
zip built by ``scripts/build_spark_deps.py`` is added with ``addPyFile`` and
unpacked on the driver before anything imports boto3 (botocore cannot load
its data files from inside a zip).
"""

# No "from __future__" import here: dbt-athena puts code before this file's, where
# such an import would be a syntax error. Hints below therefore use only typing.Any.
import importlib
import os
import sys
import tempfile
import zipfile
from typing import Any

# Top-level packages the dependency zip provides; copies imported earlier are dropped.
REPLACED_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "rfm_nbo")


def model(dbt: Any, session: Any) -> Any:
    """The copy table: read the briefs and offered products, write copy, one row per pair."""
    dbt.config(materialized="table", schema="intermediate")
    briefs = dbt.ref("int_segment_offer_briefs")
    offered_products = dbt.ref("int_segment_offered_products")
    # Each key is read with a literal dbt.config.meta_get(...) call here, on purpose:
    # dbt finds the keys a Python model uses by parsing this file, and ships only
    # those values to the engine (Athena Spark). A helper in the package would hide them.
    config = {
        "llm_provider": dbt.config.meta_get("llm_provider"),
        "bedrock_model_id": dbt.config.meta_get("bedrock_model_id"),
        "bedrock_region": dbt.config.meta_get("bedrock_region"),
        "llm_max_calls_per_build": dbt.config.meta_get("llm_max_calls_per_build"),
        "llm_products_per_segment": dbt.config.meta_get("llm_products_per_segment"),
        "llm_cache_dir": dbt.config.meta_get("llm_cache_dir"),
    }
    deps_uri = dbt.config.meta_get("spark_python_deps_s3_uri")
    on_spark = is_spark(session)
    if on_spark and deps_uri and str(deps_uri).lower() not in ("none", "null"):
        load_spark_python_deps(session, str(deps_uri))

    try:
        from rfm_nbo.offers import (
            SPARK_SCHEMA_DDL,
            fallback_summary,
            generate_offer_copy,
            settings_from_config,
            spark_rows,
        )
    except ImportError as error:
        raise RuntimeError(
            "int_segment_offer_copy needs the rfm_nbo package. Locally: make setup (installs it "
            "into .venv). On Athena Spark: build and upload the zip (scripts/build_spark_deps.py) "
            "and set var spark_python_deps_s3_uri. See docs/offer_copy.md."
        ) from error

    settings = settings_from_config(config)
    cache_location = settings.cache_location or ""
    if on_spark and settings.provider == "bedrock" and not cache_location.startswith("s3://"):
        print(
            "WARNING offer copy: the LLM cache is on the Spark driver's disk and is lost with "
            "the session; set var llm_cache_dir to an s3:// URI so rebuilds make no calls."
        )
    frame = generate_offer_copy(to_pandas(briefs), to_pandas(offered_products), settings)
    summary = fallback_summary(frame)
    if summary:
        print("WARNING " + summary)  # logging goes to dbt's log file; print shows in the console
    if on_spark:
        return session.createDataFrame(spark_rows(frame), SPARK_SCHEMA_DDL)
    return frame


def is_spark(obj: Any) -> bool:
    """True for a PySpark session or DataFrame (duck typing: pyspark is not imported)."""
    return type(obj).__module__.startswith("pyspark.")


def to_pandas(relation: Any) -> Any:
    """A small dbt relation as pandas: Spark ``toPandas()``, DuckDB ``df()``."""
    return relation.toPandas() if is_spark(relation) else relation.df()


def load_spark_python_deps(session: Any, uri: str) -> str:
    """Ship the dependency zip to the cluster and make the driver import from an unpacked copy.

    ``addPyFile`` downloads the zip into SparkFiles' root directory and puts the
    zip itself on ``sys.path``; pure modules import from there, but botocore
    reads its service models with plain file I/O and cannot. So the driver's
    copy is unpacked into a temporary directory placed first on ``sys.path``.
    """
    from pyspark import SparkFiles

    session.sparkContext.addPyFile(uri)
    local_zip = os.path.join(SparkFiles.getRootDirectory(), os.path.basename(uri))
    target = tempfile.mkdtemp(prefix="rfm_nbo_spark_deps_")
    with zipfile.ZipFile(local_zip) as archive:
        archive.extractall(target)
    sys.path.insert(0, target)
    for name in list(sys.modules):
        if name.split(".")[0] in REPLACED_PACKAGES:
            del sys.modules[name]
    importlib.invalidate_caches()
    return target
