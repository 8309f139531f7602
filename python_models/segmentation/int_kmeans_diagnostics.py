"""K-Means k selection: one row per k tried, with elbow (inertia), silhouette and the chosen k.

Thin glue. The logic (deterministic sample, fits, the k rule) lives in
rfm_nbo.segmentation and is tested in pytests/segmentation.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        # Athena Spark: make the project's package importable on driver and executors.
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.segmentation import KMeansSettings, diagnose_k
    from rfm_nbo.segmentation.engines import sample_relation, to_model_output
    from rfm_nbo.segmentation.selection import DIAGNOSTICS_SCHEMA

    # Each key is read with a literal dbt.config.meta_get(...) call here, on purpose:
    # dbt finds the keys a Python model uses by parsing this file, and ships only
    # those values to the engine (Athena Spark). A helper in the package would hide them.
    settings = KMeansSettings.from_vars(
        {
            "kmeans_k_min": dbt.config.meta_get("kmeans_k_min"),
            "kmeans_k_max": dbt.config.meta_get("kmeans_k_max"),
            "kmeans_k": dbt.config.meta_get("kmeans_k"),
            "kmeans_seed": dbt.config.meta_get("kmeans_seed"),
            "kmeans_sample_size": dbt.config.meta_get("kmeans_sample_size"),
            "kmeans_silhouette_sample_size": dbt.config.meta_get("kmeans_silhouette_sample_size"),
            "kmeans_silhouette_tolerance": dbt.config.meta_get("kmeans_silhouette_tolerance"),
            "kmeans_n_init": dbt.config.meta_get("kmeans_n_init"),
            "kmeans_chunk_size": dbt.config.meta_get("kmeans_chunk_size"),
            "kmeans_extra_features": dbt.config.meta_get("kmeans_extra_features"),
        }
    )
    customers = dbt.ref("int_customers_rfm_scored")
    sample = sample_relation(customers, settings)
    return to_model_output(diagnose_k(sample, settings), session, DIAGNOSTICS_SCHEMA)
