"""The demo build checked against the generator's planted truth."""

from __future__ import annotations

import json

from dbt_runner import PROJECT_DIR, DbtProject

TRUTH = json.loads((PROJECT_DIR / "planted_truth" / "demo" / "truth.json").read_text())


def test_every_planted_defect_is_quarantined_with_its_reason(demo_build: DbtProject) -> None:
    found: dict[str, dict[str, int]] = {}
    for table, reason, rows in demo_build.query(
        "select source_table, dq_reason, count(*) from rfm_marts.fct_quarantined_rows group by all"
    ):
        found.setdefault(table, {})[reason] = rows

    expected = {table: facts["quarantined_rows"] for table, facts in TRUTH["tables"].items()}
    assert found == expected


def test_clean_row_counts_match_the_truth(demo_build: DbtProject) -> None:
    clean_models = {
        "customers": "int_customers_validated",
        "products": "int_products_validated",
        "orders": "int_orders_validated",
        "order_items": "int_order_lines_classified",
        "web_events": "int_web_events_validated",
        "campaigns": "int_campaigns_validated",
        "campaign_members": "int_campaign_members_validated",
        "campaign_events": "int_campaign_events_validated",
    }
    for table, model in clean_models.items():
        [(rows,)] = demo_build.query(f"select count(*) from rfm_intermediate.{model}")
        assert rows == TRUTH["tables"][table]["clean_rows"], table


def test_as_of_date_is_the_day_after_the_newest_clean_order(demo_build: DbtProject) -> None:
    [(as_of,)] = demo_build.query(
        "select cast(as_of_date as varchar) from rfm_intermediate.int_rfm_as_of"
    )
    newest_day = TRUTH["newest_clean_ordered_at"][:10]
    assert newest_day == "2026-06-30"
    assert as_of == "2026-07-01"


def test_docs_generate_documents_every_mart(demo_build: DbtProject) -> None:
    run = demo_build.run("docs", "generate")
    assert run.returncode == 0, run.output[-3000:]
    catalog = json.loads((demo_build.workdir / "target" / "catalog.json").read_text())
    manifest = json.loads((demo_build.workdir / "target" / "manifest.json").read_text())
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith("marts/")
    ]
    assert len(marts) >= 10
    for node in marts:
        assert node["unique_id"] in catalog["nodes"], node["name"]
        assert node["description"], node["name"]
        assert all(column.get("data_type") for column in node["columns"].values()), node["name"]
    exposures = {exposure["name"] for exposure in manifest["exposures"].values()}
    assert exposures == {"quicksight_rfm_nbo_dashboard", "local_html_dashboard"}
