"""Do the baselines compute what our models compute? Row-by-row comparisons in DuckDB.

floor vs int_customers_rfm_scored: must agree exactly (same customers, same
recency, frequency, monetary, and the same three scores). The notebook's R, F
and M values are compared too (money within half a cent: pandas sums
floats); its qcut scores follow the tutorial tie rule, not ours, so only the
share of customers with the same three scores is reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

COMPARED = ("recency_days", "frequency", "monetary", "r_score", "f_score", "m_score")


def _quote_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _model_relation(con: Any, name: str) -> str:
    (schema,) = con.execute(
        "select schema_name from duckdb_tables() where database_name = 'w' and table_name = ?",
        [name],
    ).fetchone()
    return f'w."{schema}"."{name}"'


def floor_vs_models(warehouse: Path, floor_database: Path, examples: int = 5) -> dict[str, Any]:
    """Differences between the floor's floor_rfm and int_customers_rfm_scored."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quote_path(warehouse)}' as w (read_only)")
        con.execute(f"attach '{_quote_path(floor_database)}' as f (read_only)")
        models = _model_relation(con, "int_customers_rfm_scored")
        differs = " or ".join(f"floor.{c} is distinct from model.{c}" for c in COMPARED)
        counts_sql = f"""
            select
                count(model.customer_id) as model_customers,
                count(floor.customer_id) as floor_customers,
                count(*) filter (where floor.customer_id is null) as only_in_models,
                count(*) filter (where model.customer_id is null) as only_in_floor,
                {
            ", ".join(
                f"count(*) filter (where floor.customer_id is not null and model.customer_id "
                f"is not null and floor.{c} is distinct from model.{c}) as {c}_differs"
                for c in COMPARED
            )
        }
            from f.floor_rfm as floor
            full join {models} as model
                on floor.customer_id = model.customer_id
        """
        cursor = con.execute(counts_sql)
        names = [column[0] for column in cursor.description]
        counts = dict(zip(names, cursor.fetchone(), strict=True))
        rows = con.execute(
            f"""
            select
                coalesce(floor.customer_id, model.customer_id) as customer_id,
                {", ".join(f"floor.{c} as floor_{c}, model.{c} as model_{c}" for c in COMPARED)}
            from f.floor_rfm as floor
            full join {models} as model
                on floor.customer_id = model.customer_id
            where floor.customer_id is null or model.customer_id is null or {differs}
            order by 1
            limit {int(examples)}
            """
        ).fetchall()
    finally:
        con.close()
    mismatched = sum(v for k, v in counts.items() if k.endswith("_differs"))
    counts["agree"] = (
        counts["only_in_models"] == 0 and counts["only_in_floor"] == 0 and not mismatched
    )
    counts["examples"] = [[str(value) for value in row] for row in rows]
    return counts


def notebook_vs_floor(floor_database: Path, notebook_parquet: Path) -> dict[str, Any]:
    """How far the notebook's R, F, M values and scores are from the floor's."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quote_path(floor_database)}' as f (read_only)")
        cursor = con.execute(
            f"""
            select
                count(*) filter (where floor.customer_id is null) as only_in_notebook,
                count(*) filter (where notebook.customer_id is null) as only_in_floor,
                count(*) filter (
                    where floor.customer_id is not null and notebook.customer_id is not null
                    and (
                        floor.recency_days is distinct from notebook.recency_days
                        or floor.frequency is distinct from notebook.frequency
                        or abs(floor.monetary - notebook.monetary) > 0.005
                    )
                ) as rfm_values_differ,
                count(*) filter (
                    where floor.r_score = notebook.r_score
                    and floor.f_score = notebook.f_score
                    and floor.m_score = notebook.m_score
                ) as same_scores,
                count(*) as customers
            from f.floor_rfm as floor
            full join read_parquet('{_quote_path(notebook_parquet)}') as notebook
                on floor.customer_id = notebook.customer_id
            """
        )
        names = [column[0] for column in cursor.description]
        result = dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        con.close()
    result["values_agree"] = (
        result["only_in_notebook"] == 0
        and result["only_in_floor"] == 0
        and result["rfm_values_differ"] == 0
    )
    result["same_scores_share"] = (
        result["same_scores"] / result["customers"] if result["customers"] else None
    )
    return result


def marts_equal(first: Path, second: Path) -> dict[str, Any]:
    """Whether every mart of two warehouses holds the same rows (EXCEPT ALL both
    ways), and which differ."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quote_path(first)}' as a (read_only)")
        con.execute(f"attach '{_quote_path(second)}' as b (read_only)")
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'a' "
                "and schema_name = 'rfm_marts' order by table_name"
            ).fetchall()
        ]
        differing = {}
        for mart in marts:
            table_a, table_b = f'a.rfm_marts."{mart}"', f'b.rfm_marts."{mart}"'
            only_a, only_b = con.execute(
                f"select (select count(*) from (from {table_a} except all from {table_b})), "
                f"(select count(*) from (from {table_b} except all from {table_a}))"
            ).fetchone()
            if only_a or only_b:
                differing[mart] = {"only_first": only_a, "only_second": only_b}
    finally:
        con.close()
    return {"marts": len(marts), "equal": not differing, "differing": differing}
