"""Amazon QuickSight as code: the Athena data source, one data set per dbt mart, a dashboard.

Everything is built from the dbt manifest, so a new mart gets its data set
without code changes, and a renamed column fails here, before QuickSight sees it.

- ``errors``       the exceptions, each saying what to do next.
- ``manifest``     the marts and their typed columns, read from ``target/manifest.json``.
- ``column_types`` dbt / Athena ``data_type`` -> QuickSight ``InputColumn`` type.
- ``config``       the deployment settings (account, region, ids, principals), checked once.
- ``payloads``     pure functions building the data source and data set requests.
- ``rls``          the optional row-level-security rules data set and where it applies.
- ``visuals``      small builders for QuickSight visuals, fields and layouts.
- ``dashboard``    the three-sheet dashboard ``Definition``.
- ``validation``   checks a request against botocore's QuickSight model, offline.
- ``deploy``       create-or-update calls (describe first), waits, publishing.
- ``cli``          ``python -m rfm_nbo.quicksight --help``.
"""
