"""Optional row-level security: a rules data set, applied to the customer-level data sets.

The rules table (``--rls-dataset [DATABASE.]TABLE``; the database defaults to
the marts') lives in Athena and has this shape (QuickSight's user-based rules,
format VERSION_1):

    username     varchar   QuickSight user name; empty = rule for a group
    groupname    varchar   QuickSight group name; empty = rule for a user
    rfm_segment  varchar   a segment the user/group may see; empty = all segments

Athena lower-cases column names, so the data set renames ``username`` and
``groupname`` to the ``UserName`` and ``GroupName`` QuickSight requires. When
the table is a dbt mart, its declared columns are used instead of this default
shape (any text column other than the user/group ones becomes a rule column),
and it gets no ordinary data set: rules are not for browsing.

The rules apply to every *customer-level* data set, a mart with a
``customer_id`` column and every rule column (dim_customers,
fct_next_best_offers, fct_segment_migration). Aggregated marts (one row per
segment or campaign) stay visible to all dashboard readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rfm_nbo.quicksight.column_types import quicksight_type
from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.errors import QuickSightDeployError
from rfm_nbo.quicksight.manifest import Mart, MartColumn
from rfm_nbo.quicksight.payloads import data_set_request

PRINCIPAL_COLUMNS = {"username": "UserName", "groupname": "GroupName"}
CUSTOMER_KEY = "customer_id"
DEFAULT_RULES_COLUMNS = (
    MartColumn("username", "varchar", "QuickSight user name the rule is for."),
    MartColumn("groupname", "varchar", "QuickSight group name the rule is for."),
    MartColumn("rfm_segment", "varchar", "Segment the user or group may see; empty = all."),
)


def split_table(qualified: str) -> tuple[str | None, str]:
    """'db.table' -> ('db', 'table'); 'table' -> (None, 'table')."""
    database, _, table = qualified.rpartition(".")
    return database or None, table


def rules_mart(qualified_table: str, marts: Sequence[Mart]) -> Mart:
    """The rules table as a Mart: the mart of that name, or the documented default shape.

    A table named without a database may be a dbt mart, whose declared columns
    are then used. Column names are lower-cased, as Athena reports them.
    """
    database, table = split_table(qualified_table)
    declared = None if database else next((m for m in marts if m.name == table), None)
    source_columns = declared.columns if declared else DEFAULT_RULES_COLUMNS
    columns = tuple(
        MartColumn(column.name.lower(), column.data_type, column.description)
        for column in source_columns
    )
    mart = Mart(
        name=table,
        table=declared.table if declared else table,
        custom_schema=declared.custom_schema if declared else None,
        description=declared.description if declared else "Row-level security rules.",
        columns=columns,
    )
    _check_rules_shape(mart)
    return mart


def rule_columns(rules: Mart) -> tuple[str, ...]:
    """The columns a rule restricts on: every column but the user/group ones."""
    return tuple(name for name in rules.column_names if name not in PRINCIPAL_COLUMNS)


def _check_rules_shape(rules: Mart) -> None:
    """A rules table needs a user or group column, and text rule columns."""
    names = set(rules.column_names)
    problems: list[str] = []
    if not names & set(PRINCIPAL_COLUMNS):
        problems.append("it needs a 'username' or 'groupname' column")
    if not rule_columns(rules):
        problems.append("it needs at least one rule column, e.g. rfm_segment")
    for column in rules.columns:
        if column.name not in PRINCIPAL_COLUMNS:
            kind = quicksight_type(column.data_type, where=f"{rules.name}.{column.name}")
            if kind != "STRING":
                problems.append(f"rule column {column.name} must be text, not {column.data_type}")
    if problems:
        raise QuickSightDeployError(
            f"The row-level-security table {rules.name} has the wrong shape: "
            f"{'; '.join(problems)}. See docs/quicksight.md, 'Row-level security'."
        )


def rls_targets(marts: Sequence[Mart], rules: Mart) -> list[str]:
    """Names of the customer-level marts the rules apply to (see module doc)."""
    needed = (CUSTOMER_KEY, *rule_columns(rules))
    targets = [mart.name for mart in marts if mart.name != rules.name and mart.has_columns(*needed)]
    if not targets:
        raise QuickSightDeployError(
            f"No mart has {', '.join(needed)}, so the rules in {rules.name} would apply to "
            "nothing. Name the rule columns after mart columns (e.g. rfm_segment)."
        )
    return targets


def rls_data_set_id(config: DeployConfig, rules: Mart) -> str:
    """Id of the rules data set; distinct from an ordinary data set over the same table."""
    return config.data_set_id(f"rls-{rules.name}")


def rls_data_set_request(config: DeployConfig, rules: Mart) -> dict[str, Any]:
    """CreateDataSet for the rules, renaming username/groupname for QuickSight."""
    renames = [
        {"RenameColumnOperation": {"ColumnName": name, "NewColumnName": PRINCIPAL_COLUMNS[name]}}
        for name in rules.column_names
        if name in PRINCIPAL_COLUMNS
    ]
    named_database, _ = split_table(config.rls_table or "")
    if named_database:
        database = named_database
    elif rules.custom_schema:
        database = config.database_for(rules)
    else:
        database = config.rls_database
    request = data_set_request(config, rules, database=database, transforms=renames)
    request["DataSetId"] = rls_data_set_id(config, rules)
    request["Name"] = f"{config.prefix} row-level security rules ({rules.name})"
    return request
