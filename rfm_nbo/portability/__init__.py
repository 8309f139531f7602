"""Offline Athena portability check of the dbt project (no AWS, no network).

``python -m rfm_nbo.portability.athena_check --help``

- ``moto_env``         a moto server on 127.0.0.1 and the environment that points dbt at it.
- ``dbt_compile``      ``dbt compile --target athena`` into ``target_athena/``; reads the manifest.
- ``sql_check``        ``check_sql(text)``: every rule on one compiled SQL text.
- ``token_checks``     DuckDB-only spellings found in the compiled text (sqlglot tokens).
- ``ast_checks``       checks that need structure (sqlglot's Trino AST).
- ``catalogue``        the rules, each with what it rejects and why.
- ``trino_reference``  Trino's functions and types, DuckDB names and their replacements.
- ``project_check``    every compiled node checked; the summary a person reads.
- ``athena_check``     the command line.
- ``athena_tables``    the compiled table configuration: Iceberg marts, Parquet, locations,
                       partitions, what Python models read.
- ``moto_run``         ``dbt build --target athena`` against moto: the DDL dbt-athena sends
                       (first deployment and rebuild: the Iceberg swap).
- ``transpile``        Trino SQL as DuckDB SQL with Trino's typed semantics.
- ``emulate``          the Athena-compiled project rebuilt on DuckDB, in dependency order.
- ``compare``          relation equality with tolerances and the known differences.
- ``transpile_check``  the transpile-equality check and its command line.
- ``builds``           the DuckDB reference build and the Athena compile, once per process.
- ``spark_runtime``    what Athena Spark (PySpark engine v3) has; a scan of shipped code.
- ``iam``              render and check iam/*.json; dbt-athena's AWS calls.
- ``cost``             bytes scanned and dollars per build, on paper.
"""
