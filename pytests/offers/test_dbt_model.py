"""The dbt model file as glue: vars through config.meta, both engines' inputs, the Spark zip,
and a YAML that dbt's own JSON schema accepts."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import yaml

from rfm_nbo.offers.budget import LlmBudgetExceeded
from rfm_nbo.offers.output import OUTPUT_COLUMN_NAMES, SPARK_SCHEMA_DDL
from rfm_nbo.offers.settings import CONFIG_KEYS, settings_from_config

from .fakes import ShopInputs

MODEL_DIR = Path(__file__).resolve().parents[2] / "python_models" / "offers"
MODEL_FILE = MODEL_DIR / "int_segment_offer_copy.py"
YAML_FILE = MODEL_DIR / "_offers__models.yml"


def load_model() -> ModuleType:
    """Import the model file as dbt-duckdb does (a module from a file path)."""
    spec = importlib.util.spec_from_file_location("int_segment_offer_copy", MODEL_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeConfig:
    """``dbt.config``: callable for model config, ``meta_get`` for the YAML's meta."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = meta
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **config: Any) -> None:
        self.calls.append(config)

    def meta_get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)


class FakeDbt:
    """The ``dbt`` object of a Python model, with refs resolved to given relations."""

    def __init__(self, refs: dict[str, Any], meta: dict[str, Any]) -> None:
        self.refs = refs
        self.config = FakeConfig(meta)

    def ref(self, name: str) -> Any:
        return self.refs[name]


class DuckRelation:
    """Stands in for a DuckDB relation: ``df()`` gives pandas."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def df(self) -> pd.DataFrame:
        return self.frame.copy()


def refs_for(shop: ShopInputs, relation: type = DuckRelation) -> dict[str, Any]:
    return {
        "int_segment_offer_briefs": relation(shop.briefs),
        "int_segment_offered_products": relation(shop.offered),
    }


def test_on_duckdb_the_model_returns_the_typed_template_table(shop: ShopInputs) -> None:
    dbt = FakeDbt(refs_for(shop), meta={})
    frame = load_model().model(dbt, session=object())

    assert dbt.config.calls == [{"materialized": "table", "schema": "intermediate"}]
    assert tuple(frame.columns) == OUTPUT_COLUMN_NAMES
    assert (frame["copy_source"] == "template").all()
    assert str(frame["fallback_reason"].dtype) == "string"


def test_vars_reach_the_settings_through_meta(shop: ShopInputs, tmp_path: Path) -> None:
    meta = {
        "llm_provider": "bedrock",
        "llm_max_calls_per_build": "0",
        "llm_cache_dir": str(tmp_path),
        "bedrock_model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "bedrock_region": "None",
        "spark_python_deps_s3_uri": None,
    }
    with pytest.raises(LlmBudgetExceeded, match="llm_max_calls_per_build is 0"):
        load_model().model(FakeDbt(refs_for(shop), meta), session=object())

    settings = settings_from_config(meta)
    assert settings.bedrock.model_id == "anthropic.claude-3-haiku-20240307-v1:0"
    assert settings.bedrock.region is None
    assert settings.cache_location == str(tmp_path)


def test_config_values_are_coerced_and_checked() -> None:
    defaults = settings_from_config({key: None for key in CONFIG_KEYS})
    assert (defaults.provider, defaults.max_calls_per_build) == ("template", 20)
    assert settings_from_config({"llm_max_calls_per_build": 7}).max_calls_per_build == 7
    with pytest.raises(ValueError, match="llm_provider"):
        settings_from_config({"llm_provider": "openai"})
    with pytest.raises(ValueError, match="whole number"):
        settings_from_config({"llm_max_calls_per_build": "lots"})


def meta_get_keys() -> set[str]:
    """Every literal key the model file passes to dbt.config.meta_get (what dbt collects)."""
    tree = ast.parse(MODEL_FILE.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "meta_get"
        and isinstance(node.args[0], ast.Constant)
    }


def model_properties() -> dict[str, Any]:
    return yaml.safe_load(YAML_FILE.read_text())["models"][0]


def test_every_meta_key_the_model_reads_is_set_from_a_var_in_the_yaml() -> None:
    meta = model_properties()["config"]["meta"]
    assert meta_get_keys() == set(meta) == {*CONFIG_KEYS, "spark_python_deps_s3_uri"}
    for key, value in meta.items():
        assert value == f"{{{{ var('{key}', none) }}}}"


def test_the_yaml_passes_dbts_json_schema_and_starts_with_the_grain() -> None:
    jsonschemas = pytest.importorskip("dbt.jsonschemas.jsonschemas")
    document = yaml.safe_load(YAML_FILE.read_text())
    errors = list(jsonschemas._validate_with_schema(jsonschemas.resources_schema(), document))
    assert errors == []
    assert model_properties()["description"].startswith("One row per segment per product offered")


class SparkRelation:
    """Stands in for a Spark DataFrame (recognised by its module name)."""

    __module__ = "pyspark.sql.dataframe"

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def toPandas(self) -> pd.DataFrame:
        return self.frame.copy()


class SparkContext:
    """Records addPyFile and copies the 'S3' zip into the SparkFiles root, as Spark does."""

    def __init__(self, bucket: Path, root: Path) -> None:
        self.bucket, self.root, self.added = bucket, root, []

    def addPyFile(self, uri: str) -> None:
        self.added.append(uri)
        shutil.copy(self.bucket / Path(uri).name, self.root / Path(uri).name)


class SparkSession:
    """Stands in for a SparkSession: a context, and createDataFrame that records its input."""

    __module__ = "pyspark.sql.session"

    def __init__(self, context: SparkContext) -> None:
        self.sparkContext = context

    def createDataFrame(self, rows: list[tuple[Any, ...]], schema: str) -> Any:
        return ("spark", rows, schema)


def test_on_spark_the_zip_is_added_and_unpacked_before_import(
    shop: ShopInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyspark = pytest.importorskip("pyspark")
    bucket, root = tmp_path / "bucket", tmp_path / "sparkfiles"
    bucket.mkdir()
    root.mkdir()
    with zipfile.ZipFile(bucket / "deps.zip", "w") as archive:
        archive.writestr("rfm_fake_dep/__init__.py", "LOADED = True\n")
    monkeypatch.setattr(pyspark.SparkFiles, "getRootDirectory", lambda: str(root))
    monkeypatch.setattr(sys, "path", list(sys.path))
    model = load_model()
    monkeypatch.setattr(model, "REPLACED_PACKAGES", ("rfm_fake_dep",))
    session = SparkSession(SparkContext(bucket, root))
    meta = {"spark_python_deps_s3_uri": "s3://bucket/deps/deps.zip"}

    kind, rows, schema = model.model(FakeDbt(refs_for(shop, SparkRelation), meta), session)

    assert session.sparkContext.added == ["s3://bucket/deps/deps.zip"]
    assert Path(sys.path[0], "rfm_fake_dep", "__init__.py").is_file()
    assert importlib.import_module("rfm_fake_dep").LOADED
    monkeypatch.delitem(sys.modules, "rfm_fake_dep")
    assert (kind, schema) == ("spark", SPARK_SCHEMA_DDL)
    # 60 = the offered products of the PLAYBOOK in fakes.py: 6+6+5+5+5+5+5+5+6+4+4+4.
    assert len(rows) == 60 and all(len(row) == len(OUTPUT_COLUMN_NAMES) for row in rows)
    assert rows[0][OUTPUT_COLUMN_NAMES.index("fallback_reason")] is None


def test_without_the_zip_spark_is_not_touched(shop: ShopInputs) -> None:
    session = SparkSession(SparkContext(Path("/nonexistent"), Path("/nonexistent")))
    load_model().model(FakeDbt(refs_for(shop, SparkRelation), {}), session)
    assert session.sparkContext.added == []
