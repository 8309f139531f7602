"""K-Means centroids: one row per cluster of the chosen k, named, with what assignment needs.

Reads the chosen k from int_kmeans_diagnostics, refits it on the same
deterministic sample, renumbers clusters canonically and names them with the
prototypes of seed kmeans_name_prototypes (rule: rfm_nbo.segmentation.naming). The
scaler and standardized centroid columns let int_customers_clustered assign
customers exactly as this fit would. Logic: rfm_nbo.segmentation.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.segmentation import KMeansSettings, fit_named_clusters
    from rfm_nbo.segmentation.engines import sample_relation, to_model_output, to_pandas
    from rfm_nbo.segmentation.model import centroid_schema
    from rfm_nbo.segmentation.pipeline import chosen_k
    from rfm_nbo.segmentation.prototypes import prototypes_from_frame

    # Each key is read with a literal dbt.config.meta_get(...) call here, on purpose:
    # dbt finds the keys a Python model uses by parsing this file, and ships only
    # those values to the engine (Athena Spark). A helper in the package would hide them.
    settings = KMeansSettings.from_vars(
        {
            "kmeans_k": dbt.config.meta_get("kmeans_k"),
            "kmeans_seed": dbt.config.meta_get("kmeans_seed"),
            "kmeans_sample_size": dbt.config.meta_get("kmeans_sample_size"),
            "kmeans_n_init": dbt.config.meta_get("kmeans_n_init"),
            "kmeans_chunk_size": dbt.config.meta_get("kmeans_chunk_size"),
            "kmeans_extra_features": dbt.config.meta_get("kmeans_extra_features"),
        }
    )
    diagnostics = to_pandas(dbt.ref("int_kmeans_diagnostics"))
    prototypes = prototypes_from_frame(to_pandas(dbt.ref("kmeans_name_prototypes")))
    customers = dbt.ref("int_customers_rfm_scored")
    sample = sample_relation(customers, settings)
    k = chosen_k(diagnostics, settings, sample_rows=len(sample))
    model, centroids = fit_named_clusters(sample, k, settings, prototypes)
    return to_model_output(centroids, session, centroid_schema(model.feature_names))
