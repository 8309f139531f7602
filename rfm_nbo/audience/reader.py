"""Reading the audience mart from the DuckDB warehouse, read-only.

The mart is keyed by the project's customer key. When customer ids are
personal data, that key is a salted hash (README, "Personal data"): a sending
tool cannot address it, and the send log must come back with the raw id
(staging hashes it again). The way back is the restricted table
``int_customer_ids_mapped``; it is empty when ids are not personal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from rfm_nbo.audience.contract import AUDIENCE_COLUMNS, AUDIENCE_MART, GROUPS, SEND_COPY_COLUMNS
from rfm_nbo.audience.errors import AudienceError
from rfm_nbo.dashboard.errors import DashboardError
from rfm_nbo.dashboard.warehouse import BUILD_HINT, connect_read_only, existing_tables

ID_MAP_TABLE = "int_customer_ids_mapped"
PERFORMANCE_MART = "fct_campaign_performance"
# Send order for a capped campaign (README, "Churn risk and lifetime value").
PRIORITY_COLUMN = "contact_priority"


@dataclass(frozen=True)
class AudienceMember:
    """One row of fct_campaign_audience, with the customer id a sending tool can use."""

    audience_campaign_id: str
    campaign_id: str
    customer_id: str
    rfm_segment: str | None
    channel: str
    experiment_group: str
    product_id: str | None
    product_name: str | None
    category: str | None
    discount_rate: float | None
    headline: str | None
    body: str | None
    sms: str | None
    contact_cost: float | None
    design_treatment_share: float | None
    as_of_date: date | None

    @property
    def is_treatment(self) -> bool:
        return self.experiment_group == "treatment"


def quoted(name: str) -> str:
    """A SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def read_audience(
    warehouse: Path, marts_schema: str, restricted_schema: str, max_contacts: int | None = None
) -> list[AudienceMember]:
    """Every row of the audience mart, customer ids mapped back to raw ids when
    the project hashed them. Raises AudienceError with the fix when the warehouse,
    the mart or the id map is missing, or a row breaks the mart's contract.

    ``max_contacts``: only the rows with contact_priority <= it, treatment and
    control alike (the holdout draw is independent of the priority, so the
    control still measures the customers who are sent)."""
    try:
        con = connect_read_only(warehouse)
    except DashboardError as error:
        raise AudienceError(str(error)) from error
    try:
        rows = _read_mart(con, warehouse, marts_schema, max_contacts)
        id_map = _read_id_map(con, warehouse, restricted_schema)
    finally:
        con.close()
    members = [_member(row, id_map) for row in rows]
    for member in members:
        _check(member)
    return members


def campaigns_already_measured(
    warehouse: Path, marts_schema: str, campaign_ids: Iterable[str]
) -> list[str]:
    """Those of campaign_ids that fct_campaign_performance already measures: their
    send log came back before (an older warehouse without the mart has none)."""
    wanted = sorted(set(campaign_ids))
    if not wanted:
        return []
    try:
        con = connect_read_only(warehouse)
    except DashboardError as error:
        raise AudienceError(str(error)) from error
    try:
        if PERFORMANCE_MART not in existing_tables(con, marts_schema):
            return []
        placeholders = ", ".join("?" for _ in wanted)
        rows = con.execute(
            f"select distinct campaign_id from {quoted(marts_schema)}.{quoted(PERFORMANCE_MART)}"
            f" where campaign_id in ({placeholders})",
            wanted,
        ).fetchall()
    finally:
        con.close()
    return sorted(campaign_id for (campaign_id,) in rows)


def _read_mart(
    con: duckdb.DuckDBPyConnection, warehouse: Path, schema: str, max_contacts: int | None
) -> list[tuple]:
    if AUDIENCE_MART not in existing_tables(con, schema):
        raise AudienceError(
            f"No table {schema}.{AUDIENCE_MART} in {warehouse}: the warehouse was built "
            f"before the audience mart existed, or by a partial build. {BUILD_HINT}"
        )
    found = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, AUDIENCE_MART],
        ).fetchall()
    }
    needed = (*AUDIENCE_COLUMNS, PRIORITY_COLUMN) if max_contacts is not None else AUDIENCE_COLUMNS
    missing = [name for name in needed if name not in found]
    if missing:
        raise AudienceError(
            f"{schema}.{AUDIENCE_MART} in {warehouse} lacks column(s) {', '.join(missing)}: "
            f"it was built by an older version of the project. {BUILD_HINT}"
        )
    columns = ", ".join(quoted(name) for name in AUDIENCE_COLUMNS)
    capped = f" where {PRIORITY_COLUMN} <= ?" if max_contacts is not None else ""
    return con.execute(
        f"select {columns} from {quoted(schema)}.{quoted(AUDIENCE_MART)}{capped}"
        " order by campaign_id, experiment_group desc, customer_id",
        [max_contacts] if max_contacts is not None else [],
    ).fetchall()


def _read_id_map(con: duckdb.DuckDBPyConnection, warehouse: Path, schema: str) -> dict[str, str]:
    """Customer key -> raw id; empty when ids are not personal. Several raw
    spellings of one key ('Jane@x.com', 'jane@x.com') hash alike, so any one
    comes back as the same customer: the smallest is taken."""
    if ID_MAP_TABLE not in existing_tables(con, schema):
        raise AudienceError(
            f"No table {schema}.{ID_MAP_TABLE} in {warehouse}: the export needs it to turn "
            "hashed customer keys back into the ids your sending tool knows (it is empty "
            f"when ids are not personal). Pass --restricted-schema, or {BUILD_HINT}"
        )
    rows = con.execute(
        f"select customer_id, min(source_customer_id) from {quoted(schema)}.{quoted(ID_MAP_TABLE)}"
        " group by customer_id"
    ).fetchall()
    return dict(rows)


def _member(row: tuple, id_map: dict[str, str]) -> AudienceMember:
    values = dict(zip(AUDIENCE_COLUMNS, row, strict=True))
    key = values["customer_id"]
    if id_map:
        if key not in id_map:
            raise AudienceError(
                f"Customer key {key} of {AUDIENCE_MART} has no raw id in {ID_MAP_TABLE}: "
                "the warehouse is half rebuilt. Run `dbt build` again."
            )
        values["customer_id"] = id_map[key]
    for name in ("discount_rate", "contact_cost", "design_treatment_share"):
        if values[name] is not None:
            values[name] = float(values[name])
    return AudienceMember(**values)


def _check(member: AudienceMember) -> None:
    """The few properties the files depend on (the mart's data tests hold them too)."""
    problem = None
    if not member.campaign_id or not member.customer_id:
        problem = "a row without campaign_id or customer_id"
    elif member.experiment_group not in GROUPS:
        problem = f"experiment_group {member.experiment_group!r} (expected treatment or control)"
    elif member.channel not in SEND_COPY_COLUMNS:
        problem = f"channel {member.channel!r} (expected one of {', '.join(SEND_COPY_COLUMNS)})"
    elif member.discount_rate is not None and not 0 <= member.discount_rate <= 1:
        problem = f"discount_rate {member.discount_rate} (a fraction 0..1)"
    elif member.design_treatment_share is None or not 0 <= member.design_treatment_share <= 1:
        problem = f"design_treatment_share {member.design_treatment_share} (a fraction 0..1)"
    if problem:
        raise AudienceError(
            f"{AUDIENCE_MART} holds {problem} for customer {member.customer_id!r}: run "
            "`dbt build` with its data tests and fix what they report."
        )
