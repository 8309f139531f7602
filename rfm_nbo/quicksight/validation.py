"""Check a request against botocore's QuickSight API model, offline.

botocore's own ``ParamValidator`` (the one boto3 runs before sending) catches
unknown keys, missing required keys, wrong types and too-short values. It does
not check enumerations, maximum lengths or patterns, which QuickSight enforces
on its side; a dashboard ``Definition`` has hundreds of enum values, so this
module adds those checks. The dry run and the tests use it on every payload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from rfm_nbo.quicksight.errors import PayloadError


@cache
def service_model() -> ServiceModel:
    """botocore's QuickSight service model (shipped with botocore, no network)."""
    return botocore.session.get_session().get_service_model("quicksight")


def operation_model(operation: str) -> OperationModel:
    """The model of one operation, e.g. ``CreateDataSet``."""
    return service_model().operation_model(operation)


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """The model's regex, or None when it uses syntax Python's ``re`` lacks."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _limit_errors(value: Any, shape: Shape, path: str) -> Iterator[str]:
    """Max length / max value / enum / pattern problems of one scalar or container."""
    metadata = shape.metadata
    if shape.type_name == "string" and isinstance(value, str):
        enum = metadata.get("enum")
        if enum and value not in enum:
            yield f"{path}: {value!r} is not one of {enum}"
        if "max" in metadata and len(value) > metadata["max"]:
            yield f"{path}: length {len(value)} exceeds the maximum {metadata['max']}"
        pattern = _compiled(metadata["pattern"]) if "pattern" in metadata else None
        # Whole-value match: QuickSight's patterns ("[0-9a-zA-Z-]*" for table ids)
        # are meant that way, though a Smithy pattern is formally unanchored.
        if pattern is not None and not pattern.fullmatch(value):
            yield f"{path}: {value!r} does not match the pattern {metadata['pattern']!r}"
    elif shape.type_name in ("integer", "long", "float", "double") and "max" in metadata:
        if isinstance(value, int | float) and value > metadata["max"]:
            yield f"{path}: {value} exceeds the maximum {metadata['max']}"
    elif (
        shape.type_name in ("list", "map")
        and "max" in metadata
        and isinstance(value, list | dict)
        and len(value) > metadata["max"]
    ):
        yield f"{path}: {len(value)} items exceed the maximum {metadata['max']}"


def _strict_errors(value: Any, shape: Shape, path: str) -> Iterator[str]:
    """Walk ``value`` along ``shape``, yielding what ParamValidator does not check."""
    yield from _limit_errors(value, shape, path)
    if shape.type_name == "structure" and isinstance(value, Mapping):
        for key, member_value in value.items():
            member = shape.members.get(key)
            if member is not None:
                yield from _strict_errors(member_value, member, f"{path}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strict_errors(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strict_errors(key, shape.key, f"{path} key {key!r}")
            yield from _strict_errors(item, shape.value, f"{path}[{key!r}]")


def request_errors(operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every problem of ``params`` for ``operation``: botocore's report, then the strict checks."""
    input_shape = operation_model(operation).input_shape
    report = ParamValidator().validate(dict(params), input_shape)
    problems = [line for line in report.generate_report().splitlines() if line.strip()]
    problems = [line for line in problems if not line.startswith("Invalid parameters")]
    problems.extend(_strict_errors(params, input_shape, operation))
    return problems


def validate_request(operation: str, params: Mapping[str, Any]) -> None:
    """Raise PayloadError listing every problem of the request, or return quietly."""
    problems = request_errors(operation, params)
    if problems:
        listing = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise PayloadError(
            f"The generated {operation} request does not match botocore's QuickSight model "
            f"(a bug in rfm_nbo.quicksight, or botocore is older than the one pinned in "
            f"requirements.lock):\n  {listing}{more}"
        )
