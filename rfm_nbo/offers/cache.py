"""Answers cached per (segment, product, discount), so a rebuild asks only for new pairs.

Key: sha256 of the canonical JSON of (model id, prompt version, pair input),
where the pair input is everything a request says about one pair (see
``prompt.pair_input``: the segment's name, objective and channel; the product's
id, quoted name, category, discount; its cleaned description). A daily rebuild
with the same offered pairs finds every key and makes no call; a new product
offered to a segment, a new discount or a changed listing means one new key,
and the segment's next request lists only its uncached products.

What is stored per pair is the model's raw item for that product (headline,
body, sms as written) and the answer's rationale, or the reason the whole
answer was rejected (``rejected``), not validated offers: validation runs
again on every build, so a rule added later applies to cached answers too.
Failed calls (throttling, timeouts, API errors) are not stored, so the next
build tries again.

Two stores with the same two methods: a local directory (default
``warehouse/llm_cache/``, or env ``RFM_LLM_CACHE_DIR``, or the
``llm_cache_dir`` var) and S3 (``s3://bucket/prefix``), which is what a Spark
driver on Athena needs since its local disk does not outlive the session.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = "warehouse/llm_cache"
CACHE_DIR_ENV = "RFM_LLM_CACHE_DIR"
_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class AnswerCache(Protocol):
    """Where answers live between builds."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored under ``key``, or None."""

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store ``entry`` under ``key`` (overwriting)."""


def canonical_json(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(model_id: str, prompt_version: str, pair_input: Any) -> str:
    """sha256 (hex) of the canonical JSON of model id, prompt version and pair input."""
    material = {
        "model_id": model_id,
        "prompt_version": prompt_version,
        "pair_input": pair_input,
    }
    return hashlib.sha256(canonical_json(material).encode("utf-8")).hexdigest()


class LocalDirCache:
    """Entries as ``<root>/<first two hex digits>/<key>.json``, written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalDirCache({str(self.root)!r})"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when absent or unreadable (an unreadable one is overwritten later)."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            logger.warning(
                "LLM cache entry %s is unreadable (%s); treating it as missing", path, error
            )
            return None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Write through a temporary file and rename, so a reader never sees half an entry."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)[:2] / f"{key}.json"


class S3Cache:
    """Entries as ``s3://<bucket>/<prefix><key>.json``."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self._client = client

    def __repr__(self) -> str:
        return f"S3Cache('s3://{self.bucket}/{self.prefix}')"

    @property
    def client(self) -> Any:
        """The S3 client, created on first use (default credential chain)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when there is no object under the key."""
        from botocore.exceptions import ClientError

        object_key = self._object_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise RuntimeError(
                f"cannot read the LLM cache at s3://{self.bucket}/{object_key}: {error}. "
                "Check the bucket name and that the build's role may s3:GetObject there "
                "(var llm_cache_dir)."
            ) from error
        return json.loads(response["Body"].read().decode("utf-8"))

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Upload the entry as JSON."""
        body = json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._object_key(key),
            Body=body,
            ContentType="application/json",
        )

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}{_checked(key)}.json"


def resolve_cache_location(location: str | None = None) -> str:
    """The cache location: the given one, else env RFM_LLM_CACHE_DIR, else warehouse/llm_cache."""
    return location or os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR


def open_cache(location: str | None = None, s3_client: Any = None) -> AnswerCache:
    """A cache for a location: ``s3://bucket/prefix`` is S3, anything else a local directory."""
    resolved = resolve_cache_location(location)
    if resolved.startswith("s3://"):
        bucket, _, prefix = resolved[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(
                f"LLM cache location {resolved!r} has no bucket: use s3://bucket/prefix"
            )
        return S3Cache(bucket, prefix, client=s3_client)
    return LocalDirCache(resolved)


def _checked(key: str) -> str:
    """The key, if it is a sha256 hex digest (so it is safe as a file or object name)."""
    if not _KEY_PATTERN.match(key):
        raise ValueError(f"not a cache key (64 lowercase hex digits): {key!r}")
    return key
