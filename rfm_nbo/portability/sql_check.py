"""Check one compiled SQL text for Athena (Trino): every rule, one call.

sqlglot's Trino parser is lenient: it accepts `::`, `* EXCLUDE`, DuckDB
function names and `{'a': 1}` literals, and silently drops PIVOT. So a clean
parse proves little. Each rule (catalogue.py) looks for one DuckDB-only construct, in
one of two ways:

- on sqlglot's Trino tokens of the compiled text: comments are gone and string
  literals are single tokens, so a `::` inside a comment or a string never
  matches, and names are seen as written (the AST normalises `::`, `text`,
  `string_agg`, `median` into Trino spellings, hiding the DuckDB original);
- on the parsed AST, for what needs structure (where an UNNEST sits, the
  operand types of a division, whether a model is a single query).

Every rule says why in ``RULES`` (``--list-rules`` prints them).
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot.errors import ParseError, TokenError

from rfm_nbo.portability.ast_checks import ast_violations
from rfm_nbo.portability.catalogue import DIALECT, RULES, Violation, is_error
from rfm_nbo.portability.token_checks import token_violations

__all__ = ["RULES", "Violation", "check_sql", "is_error"]


def _parse_errors(error: ParseError | TokenError) -> list[Violation]:
    details = getattr(error, "errors", None) or [{}]
    violations = []
    for detail in details:
        message = detail.get("description") or str(error).splitlines()[0]
        highlight = detail.get("highlight")
        construct = f"{message} near {highlight!r}" if highlight else message
        violations.append(
            Violation(
                int(detail.get("line") or 0),
                "parse-error",
                construct,
                "Trino SQL; see the other violations on this line",
            )
        )
    return violations


_ALLOW = re.compile(r"--\s*athena-check:\s*allow\s+([\w\s,-]+)")


def _allowed(sql: str) -> set[tuple[int, str]]:
    """(line, rule) pairs silenced by a `-- athena-check: allow <rule>, ...` comment."""
    allowed = set()
    for number, text in enumerate(sql.splitlines(), start=1):
        match = _ALLOW.search(text)
        if match:
            allowed.update((number, rule.strip()) for rule in match.group(1).split(","))
    return allowed


def check_sql(sql: str, *, expect_query: bool = True) -> list[Violation]:
    """Every Athena portability violation in one compiled SQL text, sorted.

    ``expect_query`` is true for models, tests and analyses (one query each);
    false for hooks and operations, which may hold DDL. A line may silence a
    rule with `-- athena-check: allow <rule-id>` where the rule cannot know
    better (e.g. an argument that is never null).
    """
    sqlglot_logger = logging.getLogger("sqlglot")
    previous_level = sqlglot_logger.level
    sqlglot_logger.setLevel(logging.ERROR)  # "PIVOT unsupported" and the like
    try:
        try:
            tokens = sqlglot.tokenize(sql, read=DIALECT)
        except TokenError as error:
            return _parse_errors(error)
        violations = set(token_violations(tokens))
        try:
            statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
        except ParseError as error:
            violations.update(_parse_errors(error))
        else:
            violations.update(ast_violations(statements, expect_query))
    finally:
        sqlglot_logger.setLevel(previous_level)
    allowed = _allowed(sql)
    return sorted(v for v in violations if (v.line, v.rule) not in allowed)
