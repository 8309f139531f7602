"""Command line: ``python -m rfm_nbo.quicksight --help``.

Reads the dbt manifest, plans the QuickSight resources, and either prints the
requests (``--dry-run``: no AWS call, no credentials needed) or deploys them.
Errors print one message saying what to do, and exit 1; bad options exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from rfm_nbo.quicksight.config import (
    DEFAULT_ATHENA_SCHEMA,
    DEFAULT_PREFIX,
    DEFAULT_WORKGROUP,
    DeployConfig,
)
from rfm_nbo.quicksight.deploy import Poller, deploy
from rfm_nbo.quicksight.errors import QuickSightDeployError
from rfm_nbo.quicksight.manifest import read_marts
from rfm_nbo.quicksight.plan import build_plan

ClientFactory = Callable[[DeployConfig, str | None], Any]

EPILOG = """\
examples:
  dbt parse && python -m rfm_nbo.quicksight --aws-account-id 123456789012 \\
      --region eu-west-1 --dry-run > quicksight-requests.json
  python -m rfm_nbo.quicksight --aws-account-id 123456789012 --region eu-west-1 \\
      --principal-arn arn:aws:quicksight:eu-west-1:123456789012:group/default/bi-authors

Running it again updates what exists (ids are <prefix>-athena, <prefix>-<mart>,
<prefix>-dashboard). The dry run prints the Create* requests; on later runs the
Update* calls carry the same fields, and permissions go through Update*Permissions.
See docs/quicksight.md.
"""

# botocore error code -> what the user should do.
HINTS = {
    "AccessDeniedException": "the AWS identity needs QuickSight permissions (quicksight:* on "
    "these resources) and the QuickSight account must exist in this region",
    "UnsupportedUserEditionException": "these APIs need QuickSight Enterprise edition",
    "ResourceExistsException": "a resource with this id exists but could not be described; "
    "check it in the console or choose another --prefix",
    "LimitExceededException": "a QuickSight quota was reached; see Service Quotas",
    "ThrottlingException": "QuickSight throttled the calls; run the deployer again",
}


def _env(*names: str) -> str | None:
    """The first of the environment variables that is set and not empty."""
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (defaults from the environment, as profiles.yml uses them)."""
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.quicksight",
        description="Deploy the Amazon QuickSight data source, one data set per dbt mart, and "
        "the dashboard (Segments, Next Best Offers, Campaign performance), idempotently.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path("target/manifest.json"),
        help="dbt manifest written by `dbt parse` (default: %(default)s)",
    )
    parser.add_argument(
        "--aws-account-id",
        default=_env("AWS_ACCOUNT_ID"),
        help="12-digit AWS account of the QuickSight subscription (default: $AWS_ACCOUNT_ID)",
    )
    parser.add_argument(
        "--region",
        default=_env("AWS_REGION", "AWS_DEFAULT_REGION", "ATHENA_REGION"),
        help="QuickSight and Athena region (default: $AWS_REGION, $AWS_DEFAULT_REGION or "
        "$ATHENA_REGION)",
    )
    parser.add_argument(
        "--athena-workgroup",
        default=_env("ATHENA_WORK_GROUP") or DEFAULT_WORKGROUP,
        help="Athena workgroup QuickSight queries through (default: $ATHENA_WORK_GROUP or "
        f"{DEFAULT_WORKGROUP})",
    )
    parser.add_argument(
        "--glue-database",
        default=None,
        help="Glue database of the marts (default: $ATHENA_SCHEMA + '_marts', i.e. "
        f"{DEFAULT_ATHENA_SCHEMA}_marts, dbt's custom-schema naming)",
    )
    parser.add_argument(
        "--principal-arn",
        action="append",
        default=[],
        metavar="ARN",
        help="QuickSight user or group that owns the resources; repeatable. Required unless "
        "--dry-run: without it nobody sees them in the console",
    )
    parser.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        help="id prefix, to keep environments apart in one account (default: %(default)s)",
    )
    parser.add_argument(
        "--rls-dataset",
        metavar="[DATABASE.]TABLE",
        default=None,
        help="row-level security: rules table (columns username, groupname, rfm_segment; "
        "database: the marts') applied to the customer-level data sets",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print every request as JSON on stdout and make no AWS call",
    )
    parser.add_argument(
        "--endpoint-url",
        default=None,
        help="QuickSight endpoint override (tests, e.g. a local moto server)",
    )
    parser.add_argument(
        "--wait-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for a data source or dashboard version to build "
        "(default: %(default)s)",
    )
    return parser


def config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> DeployConfig:
    """DeployConfig from the options; missing required values end with a usage error."""
    if not args.aws_account_id:
        parser.error("--aws-account-id is required (or set AWS_ACCOUNT_ID)")
    if not args.region:
        parser.error("--region is required (or set AWS_REGION)")
    if not args.dry_run and not args.principal_arn:
        parser.error(
            "--principal-arn is required to deploy: QuickSight shows API-created resources "
            "only to the principals they are shared with (use --dry-run to only print)"
        )
    return DeployConfig(
        aws_account_id=args.aws_account_id,
        region=args.region,
        athena_workgroup=args.athena_workgroup,
        athena_schema=_env("ATHENA_SCHEMA") or DEFAULT_ATHENA_SCHEMA,
        glue_database=args.glue_database,
        principal_arns=tuple(args.principal_arn),
        prefix=args.prefix,
        rls_table=args.rls_dataset,
    )


def default_client(config: DeployConfig, endpoint_url: str | None) -> Any:
    """A boto3 QuickSight client (credentials from the usual AWS chain)."""
    import boto3  # only a real deployment needs boto3

    return boto3.client("quicksight", region_name=config.region, endpoint_url=endpoint_url)


def _client_error_message(error: ClientError) -> str:
    """'<Operation> failed: <Code>: <Message>. What to do: <hint>'."""
    details = error.response.get("Error", {})
    code = details.get("Code", "Unknown")
    message = f"{error.operation_name} failed: {code}: {details.get('Message', '')}".rstrip(": ")
    hint = HINTS.get(code)
    return f"{message}. What to do: {hint}." if hint else message


def _stderr(line: str) -> None:
    """Progress and notes go to stderr, so stdout stays clean JSON in a dry run."""
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None, *, client_factory: ClientFactory | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args, parser)
        marts = read_marts(args.manifest)
        _stderr(f"{len(marts)} marts in {args.manifest}: {', '.join(m.name for m in marts)}")
        plan = build_plan(config, marts)
        for note in plan.notes:
            _stderr(f"note: {note}")
        if args.dry_run:
            print(json.dumps([request.as_json() for request in plan.requests], indent=2))
            _stderr(f"dry run: {len(plan.requests)} requests printed, nothing sent")
            return 0
        client = (client_factory or default_client)(config, args.endpoint_url)
        deploy(client, plan, report=_stderr, poller=Poller(timeout_seconds=args.wait_timeout))
        _stderr(
            f"done. Dashboard: https://{config.region}.quicksight.aws.amazon.com/sn/dashboards/"
            f"{config.dashboard_id}"
        )
        return 0
    except QuickSightDeployError as error:
        _stderr(f"error: {error}")
    except ClientError as error:
        _stderr(f"error: {_client_error_message(error)}")
    except NoCredentialsError:
        _stderr("error: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/SECRET.")
    except NoRegionError:
        _stderr("error: no AWS region: pass --region.")
    except EndpointConnectionError as error:
        _stderr(f"error: cannot reach QuickSight ({error}); check the network or --endpoint-url.")
    except BotoCoreError as error:
        _stderr(f"error: {error}")
    return 1
