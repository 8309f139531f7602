"""The deployment settings, checked once, and the ids and ARNs derived from them.

Ids are ``<prefix>-...`` so two deployments (say ``rfm-nbo-dev`` and
``rfm-nbo``) can live in one QuickSight account, and so a rerun finds what the
previous run created: the ids are the idempotency keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import botocore.session

from rfm_nbo.quicksight.errors import QuickSightDeployError
from rfm_nbo.quicksight.manifest import Mart

DEFAULT_PREFIX = "rfm-nbo"
DEFAULT_ATHENA_SCHEMA = "rfm"  # as profiles.yml: env_var('ATHENA_SCHEMA', 'rfm')
DEFAULT_WORKGROUP = "primary"  # as profiles.yml: env_var('ATHENA_WORK_GROUP', 'primary')
ATHENA_CATALOG = "AwsDataCatalog"

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_]+")
_TABLE = re.compile(r"([A-Za-z0-9_]+\.)?[A-Za-z0-9_]+")
_PRINCIPAL = re.compile(r"arn:[a-z-]+:quicksight:[a-z0-9-]*:[0-9]{12}:(user|group|namespace)/.+")


@cache
def partition_for(region: str) -> str:
    """The ARN partition of a region ('aws', 'aws-cn', ...), from botocore's offline data."""
    return botocore.session.get_session().get_partition_for_region(region) or "aws"


@dataclass(frozen=True)
class DeployConfig:
    """Where and as whom to deploy; every field is a CLI option (see ``cli``)."""

    aws_account_id: str
    region: str
    athena_workgroup: str = DEFAULT_WORKGROUP
    athena_schema: str = DEFAULT_ATHENA_SCHEMA
    glue_database: str | None = None
    principal_arns: tuple[str, ...] = ()
    prefix: str = DEFAULT_PREFIX
    rls_table: str | None = None

    def __post_init__(self) -> None:
        """Reject values QuickSight would reject later, with the option to fix."""
        problems: list[str] = []
        if not _ACCOUNT_ID.fullmatch(self.aws_account_id):
            problems.append(
                f"--aws-account-id {self.aws_account_id!r} must be the 12-digit AWS account id"
            )
        if not _REGION.fullmatch(self.region):
            problems.append(f"--region {self.region!r} is not an AWS region such as eu-west-1")
        if not _PREFIX.fullmatch(self.prefix):
            problems.append(
                f"--prefix {self.prefix!r} must be 1-40 letters, digits, '-' or '_', "
                "starting with a letter or digit"
            )
        if not self.athena_workgroup.strip():
            problems.append("--athena-workgroup must not be empty")
        if self.glue_database is not None and not _IDENTIFIER.fullmatch(self.glue_database):
            problems.append(
                f"--glue-database {self.glue_database!r} must be letters, digits and '_'"
            )
        if not _IDENTIFIER.fullmatch(self.athena_schema):
            problems.append(f"ATHENA_SCHEMA {self.athena_schema!r} must be letters, digits and '_'")
        if self.rls_table is not None and not _TABLE.fullmatch(self.rls_table):
            problems.append(f"--rls-dataset {self.rls_table!r} must be TABLE or DATABASE.TABLE")
        for principal in self.principal_arns:
            if not _PRINCIPAL.fullmatch(principal):
                problems.append(
                    f"--principal-arn {principal!r} is not a QuickSight user or group ARN, "
                    "e.g. arn:aws:quicksight:eu-west-1:123456789012:group/default/bi-authors"
                )
        if problems:
            raise QuickSightDeployError("; ".join(problems) + ".")

    @property
    def partition(self) -> str:
        """ARN partition of the region."""
        return partition_for(self.region)

    def arn(self, resource_type: str, resource_id: str) -> str:
        """ARN of a QuickSight resource in this account and region."""
        return (
            f"arn:{self.partition}:quicksight:{self.region}:{self.aws_account_id}:"
            f"{resource_type}/{resource_id}"
        )

    @property
    def data_source_id(self) -> str:
        """Id of the one Athena data source."""
        return f"{self.prefix}-athena"

    def data_set_id(self, table: str) -> str:
        """Id of the data set over ``table`` (a mart name, or the RLS rules table)."""
        return f"{self.prefix}-{table}"

    @property
    def dashboard_id(self) -> str:
        """Id of the dashboard."""
        return f"{self.prefix}-dashboard"

    def database_for(self, mart: Mart) -> str:
        """Glue database holding ``mart`` on Athena.

        ``--glue-database`` wins; otherwise dbt's default custom-schema naming:
        target schema + '_' + the model's custom schema, i.e. ``rfm_marts``.
        """
        if self.glue_database:
            return self.glue_database
        if mart.custom_schema:
            return f"{self.athena_schema}_{mart.custom_schema}"
        return self.athena_schema

    @property
    def rls_database(self) -> str:
        """Glue database of the RLS rules table: ``--glue-database`` or <schema>_marts."""
        return self.glue_database or f"{self.athena_schema}_marts"
