"""A local stand-in for AWS, so `dbt compile --target athena` runs offline.

dbt-athena opens a boto3 session and asks Glue about relations while it
compiles (e.g. `adapter.get_columns_in_relation` in our source checks). A moto
server on 127.0.0.1 answers those calls ("table not found" is a fine answer at
compile time); nothing ever reaches AWS: the credentials are dummies, the
shared config and credential files are pointed away from the user's, and
AWS_ENDPOINT_URL sends every client to the local server.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The values the `athena` target of profiles.yml reads (besides AWS itself).
ATHENA_PROFILE_ENV: dict[str, str] = {
    "ATHENA_REGION": "us-east-1",
    "ATHENA_S3_STAGING_DIR": "s3://rfm-athena-results/",
    "ATHENA_S3_DATA_DIR": "s3://rfm-data/",
    "ATHENA_WORK_GROUP": "rfm-athena-check",
    "ATHENA_CATALOG": "awsdatacatalog",
    "ATHENA_SCHEMA": "rfm",
    "ATHENA_THREADS": "4",
}

# Variables that could send boto3 to a real account or a developer's profile.
_AWS_ENV_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@dataclass(frozen=True)
class LocalAws:
    """A running moto server and the environment that points dbt at it."""

    endpoint_url: str
    env: dict[str, str]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def offline_env(
    endpoint_url: str, scratch_dir: Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`base` (default: os.environ) with dummy AWS credentials, every client
    pointed at `endpoint_url`, and the athena target's variables set (values
    already in `base` win, so a developer can try another schema or region)."""
    env = dict(os.environ if base is None else base)
    for name in _AWS_ENV_TO_DROP:
        env.pop(name, None)
    empty_file = scratch_dir / "aws-empty-config"
    empty_file.parent.mkdir(parents=True, exist_ok=True)
    empty_file.touch()
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_DEFAULT_REGION": ATHENA_PROFILE_ENV["ATHENA_REGION"],
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_CONFIG_FILE": str(empty_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty_file),
            "AWS_EC2_METADATA_DISABLED": "true",
            # dbt's anonymous usage events would try the network.
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    for name, value in ATHENA_PROFILE_ENV.items():
        env.setdefault(name, value)
    return env


def _bucket(s3_uri: str) -> str:
    return s3_uri.removeprefix("s3://").split("/", 1)[0]


def create_athena_resources(endpoint_url: str, env: Mapping[str, str]) -> None:
    """What the athena target names: the S3 buckets, the Athena work group and
    the Glue database of the target schema. `dbt compile` needs none of them
    today (it only gets "not found" answers); they are here so a future adapter
    call at compile time finds what a real account would have."""
    import boto3  # moto's dependency; imported late to keep `--help` fast

    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name=env["ATHENA_REGION"],
    )
    s3 = session.client("s3", endpoint_url=endpoint_url)
    for uri in (env["ATHENA_S3_STAGING_DIR"], env["ATHENA_S3_DATA_DIR"]):
        s3.create_bucket(Bucket=_bucket(uri))
    athena = session.client("athena", endpoint_url=endpoint_url)
    if env["ATHENA_WORK_GROUP"] != "primary":
        athena.create_work_group(
            Name=env["ATHENA_WORK_GROUP"],
            Configuration={"ResultConfiguration": {"OutputLocation": env["ATHENA_S3_STAGING_DIR"]}},
        )
    glue = session.client("glue", endpoint_url=endpoint_url)
    glue.create_database(DatabaseInput={"Name": env["ATHENA_SCHEMA"]})


@contextmanager
def local_aws(scratch_dir: Path, base_env: Mapping[str, str] | None = None) -> Iterator[LocalAws]:
    """Start moto on 127.0.0.1 (a free port), create the athena target's
    resources, yield the environment for dbt, stop the server on exit."""
    from moto.server import ThreadedMotoServer  # heavy import: only when used

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint_url = f"http://127.0.0.1:{port}"
        env = offline_env(endpoint_url, scratch_dir, base_env)
        create_athena_resources(endpoint_url, env)
        yield LocalAws(endpoint_url, env)
    finally:
        server.stop()
