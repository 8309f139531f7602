"""BG/NBD and Gamma-Gamma fitted by maximum likelihood: one row of parameters and fit status.

Fitted on the seeded bottom-k sample (var clv_fit_sample_size) of
int_customer_clv_inputs. Logic: rfm_nbo.clv (tested in pytests/clv).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.clv import ClvSettings
    from rfm_nbo.clv.engines import fit_relation

    # Each key is read with a literal dbt.config.meta_get(...) call here, on purpose:
    # dbt finds the keys a Python model uses by parsing this file, and ships only
    # those values to the engine (Athena Spark). A helper in the package would hide them.
    settings = ClvSettings.from_vars(
        {
            "clv_fit_sample_size": dbt.config.meta_get("clv_fit_sample_size"),
            "clv_seed": dbt.config.meta_get("clv_seed"),
            "clv_min_customers": dbt.config.meta_get("clv_min_customers"),
            "clv_chunk_size": dbt.config.meta_get("clv_chunk_size"),
        }
    )
    return fit_relation(dbt.ref("int_customer_clv_inputs"), session, settings)
