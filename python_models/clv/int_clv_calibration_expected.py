"""BG/NBD fitted on the data before the calibration cut, and its holdout forecast.

Expected repeat purchases in the holdout (var clv_holdout_days), summed by
calibration frequency and by holdout week; fct_clv_calibration sets them
beside what really happened. Logic: rfm_nbo.clv.calibration.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.clv import ClvSettings
    from rfm_nbo.clv.engines import calibration_relation

    # Literal dbt.config.meta_get(...) calls: see int_clv_parameters.py.
    settings = ClvSettings.from_vars(
        {
            "clv_fit_sample_size": dbt.config.meta_get("clv_fit_sample_size"),
            "clv_seed": dbt.config.meta_get("clv_seed"),
            "clv_min_customers": dbt.config.meta_get("clv_min_customers"),
            "clv_chunk_size": dbt.config.meta_get("clv_chunk_size"),
        }
    )
    holdout_days = int(dbt.config.meta_get("clv_holdout_days"))
    inputs = dbt.ref("int_clv_calibration_inputs")
    return calibration_relation(inputs, session, settings, holdout_days)
