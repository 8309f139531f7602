"""Reading the marts and their typed columns from the dbt manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from quicksight_support import PROJECT_DIR, fake_manifest, model_node

from rfm_nbo.quicksight.errors import ManifestError
from rfm_nbo.quicksight.manifest import Mart, marts_from_manifest, read_marts


def test_reads_marts_with_columns_in_yaml_order() -> None:
    manifest = fake_manifest(
        model_node("fct_b", {"segment": "varchar", "customers": "bigint"}),
        model_node("dim_a", {"customer_id": "varchar", "monetary": "decimal(18,2)"}),
    )
    marts = marts_from_manifest(manifest)
    assert [mart.name for mart in marts] == ["dim_a", "fct_b"]
    assert marts[1].column_names == ("segment", "customers")
    assert marts[0].column("monetary").data_type == "decimal(18,2)"
    assert marts[0].column("monetary").description == "About monetary."
    assert marts[0].custom_schema == "marts"


def test_a_mart_is_a_marts_folder_model_or_a_marts_schema_model() -> None:
    manifest = fake_manifest(
        model_node("fct_sql", {"a": "varchar"}, path="marts/x/fct_sql.sql"),
        # A Python mart outside models/marts, configured into the marts schema.
        model_node("fct_clusters", {"a": "varchar"}, path="segmentation/fct_clusters.py"),
        model_node(
            "int_x", {"a": "varchar"}, path="intermediate/x/int_x.sql", schema="intermediate"
        ),
        model_node("stg_x", {"a": "varchar"}, path="staging/x/stg_x.sql", schema="staging"),
        model_node("seed_x", {"a": "varchar"}, path="marts/seed_x.csv", resource_type="seed"),
        model_node("other_pkg", {"a": "varchar"}, package="dbt_utils"),
    )
    assert [mart.name for mart in marts_from_manifest(manifest)] == ["fct_clusters", "fct_sql"]


def test_alias_is_the_table_name() -> None:
    node = model_node("fct_x", {"a": "varchar"})
    node["alias"] = "fct_x_v2"
    (mart,) = marts_from_manifest(fake_manifest(node))
    assert mart.table == "fct_x_v2"


def test_grain_is_the_first_sentence_of_the_description() -> None:
    (mart,) = marts_from_manifest(
        fake_manifest(
            model_node("fct_x", {"a": "varchar"}, description="One row per\n  segment. Then more.")
        )
    )
    assert mart.grain == "One row per segment."


def test_untyped_columns_are_all_named_in_one_error() -> None:
    manifest = fake_manifest(
        model_node("fct_a", {"ok": "varchar", "no_type": None}),
        model_node("fct_b", {"also_missing": None}),
        model_node("fct_c", {}),
    )
    with pytest.raises(ManifestError) as raised:
        marts_from_manifest(manifest)
    message = str(raised.value)
    for name in ("fct_a.no_type", "fct_b.also_missing", "fct_c (no columns declared)"):
        assert name in message
    assert "data_type" in message and "dbt parse" in message


def test_missing_manifest_says_to_run_dbt_parse(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="dbt parse"):
        read_marts(tmp_path / "target" / "manifest.json")


def test_broken_manifest_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="Cannot read"):
        read_marts(path)
    path.write_text(json.dumps({"something": "else"}), encoding="utf-8")
    with pytest.raises(ManifestError, match="not a dbt manifest"):
        read_marts(path)


def test_manifest_without_marts_is_an_error() -> None:
    manifest = fake_manifest(
        model_node("stg_x", {"a": "varchar"}, path="staging/stg_x.sql", schema="staging")
    )
    with pytest.raises(ManifestError, match="no marts"):
        marts_from_manifest(manifest)


def _yaml_marts() -> dict[str, list[tuple[str, str]]]:
    """Mart name -> [(column, data_type)] straight from models/marts/**/*.yml."""
    declared: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((PROJECT_DIR / "models" / "marts").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            declared[model["name"]] = [
                (column["name"], column["data_type"]) for column in model.get("columns") or []
            ]
    return declared


def test_real_manifest_has_every_mart_the_yaml_declares(project_marts: list[Mart]) -> None:
    """Against a real `dbt parse`: same marts, same columns, same order, same types."""
    from_yaml = _yaml_marts()
    from_manifest = {
        mart.name: [(c.name, c.data_type) for c in mart.columns] for mart in project_marts
    }
    assert from_yaml, "no mart YAML found under models/marts"
    for name, columns in from_yaml.items():
        assert from_manifest.get(name) == columns, name
    # Marts beyond the YAML of models/marts (e.g. Python marts) still need typed columns.
    assert all(mart.columns for mart in project_marts)


def test_real_manifest_marts_live_in_the_marts_schema(project_marts: list[Mart]) -> None:
    names = {mart.name for mart in project_marts}
    assert {"dim_customers", "fct_rfm_segment_summary", "fct_next_best_offers"} <= names
    assert {"fct_campaign_performance", "fct_quarantined_rows"} <= names
    assert all(mart.custom_schema == "marts" for mart in project_marts)
