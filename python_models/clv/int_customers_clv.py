"""Every customer's churn risk and expected lifetime value, scored in chunks.

Reads the one-row int_clv_parameters, so scoring needs no refit. DuckDB
streams customers through in Arrow batches of var clv_chunk_size rows; Spark
scores on executors with mapInPandas. Logic: rfm_nbo.clv.scoring.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.clv import ClvSettings
    from rfm_nbo.clv.engines import score_relation

    # Literal dbt.config.meta_get(...) calls: see int_clv_parameters.py.
    settings = ClvSettings.from_vars(
        {
            "clv_horizon_days": dbt.config.meta_get("clv_horizon_days"),
            "clv_annual_discount_rate": dbt.config.meta_get("clv_annual_discount_rate"),
            "clv_chunk_size": dbt.config.meta_get("clv_chunk_size"),
            "churn_risk_band_thresholds": dbt.config.meta_get("churn_risk_band_thresholds"),
        }
    )
    parameters = dbt.ref("int_clv_parameters")
    return score_relation(dbt.ref("int_customer_clv_inputs"), parameters, settings)
