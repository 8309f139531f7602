"""Every RFM customer's K-Means cluster: one row per customer, nearest centroid, in chunks.

The model is rebuilt from int_kmeans_centroids, so assignment needs no refit.
DuckDB streams customers through in Arrow batches of var kmeans_chunk_size
rows; Spark assigns on executors with mapInPandas. Logic: rfm_nbo.segmentation.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    package_uri = dbt.config.meta_get("rfm_nbo_package_uri")
    if package_uri:
        session.sparkContext.addPyFile(package_uri)

    from rfm_nbo.segmentation import ClusterModel, KMeansSettings
    from rfm_nbo.segmentation.engines import assign_relation, to_pandas

    # Each key is read with a literal dbt.config.meta_get(...) call here, on purpose:
    # dbt finds the keys a Python model uses by parsing this file, and ships only
    # those values to the engine (Athena Spark). A helper in the package would hide them.
    settings = KMeansSettings.from_vars(
        {"kmeans_chunk_size": dbt.config.meta_get("kmeans_chunk_size")}
    )
    cluster_model = ClusterModel.from_centroid_table(to_pandas(dbt.ref("int_kmeans_centroids")))
    customers = dbt.ref("int_customers_rfm_scored")
    return assign_relation(customers, cluster_model, settings.chunk_size)
