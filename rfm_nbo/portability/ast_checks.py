"""AST-level checks: what needs the structure of the query.

Where an UNNEST sits, whether both operands of `/` are integers, whether a
model is one query. Run on sqlglot's Trino parse of the compiled SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from rfm_nbo.portability.catalogue import DIALECT, Violation
from rfm_nbo.portability.trino_reference import INTEGER_FUNCTIONS, INTEGER_TYPES


def _line(node: exp.Expression) -> int:
    """The first source line sqlglot recorded inside the node (0 if none)."""
    for child in node.walk():
        line = child.meta.get("line")
        if line:
            return int(line)
    return 0


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.key.lower()


# sqlglot node keys of those functions: count_if -> countif, strpos -> strposition...
_INTEGER_NODE_NAMES = {name.replace("_", "") for name in INTEGER_FUNCTIONS} | {
    "arraysize",
    "strposition",
}


def _is_integer(node: exp.Expression | None) -> bool:
    """True when the expression is an integer whatever the data: an integer
    literal, a cast to an integer type, a function documented to return bigint,
    or +, -, *, % of those. Columns are unknown, so never integer here."""
    if node is None:
        return False
    if isinstance(node, exp.Literal):
        return not node.is_string and str(node.this).isdigit()
    if isinstance(node, exp.Paren | exp.Neg):
        return _is_integer(node.this)
    if isinstance(node, exp.Window):
        return _is_integer(node.this)
    if isinstance(node, exp.Cast):  # TryCast is a Cast subclass
        kind = node.to.this
        return str(getattr(kind, "value", kind)).lower() in INTEGER_TYPES
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        return _is_integer(node.this) and _is_integer(node.expression)
    if isinstance(node, exp.Func):
        return _function_name(node).replace("_", "") in _INTEGER_NODE_NAMES
    return False


def _inside_relation(node: exp.Expression) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.From | exp.Join | exp.Lateral):
            return True
        if isinstance(parent, exp.Select):
            return False
        parent = parent.parent
    return False


def ast_violations(statements: list[exp.Expression], expect_query: bool) -> Iterator[Violation]:
    if expect_query and (len(statements) != 1 or not isinstance(statements[0], exp.Query)):
        kinds = ", ".join(type(s).__name__ for s in statements) or "nothing"
        yield Violation(
            1,
            "not-a-query",
            f"{len(statements)} statement(s): {kinds}",
            "one select/with query; let the materialization write the DDL",
        )
    for statement in statements:
        for unnest in statement.find_all(exp.Unnest):
            if not _inside_relation(unnest):
                yield Violation(
                    _line(unnest) or _line(statement),
                    "unnest-in-select",
                    "unnest() in a select list",
                    "cross join unnest(array) as t (element)",
                )
        for division in statement.find_all(exp.Div):
            if _is_integer(division.this) and _is_integer(division.expression):
                yield Violation(
                    _line(division) or _line(statement),
                    "integer-division",
                    division.sql(DIALECT)[:80],
                    "cast(a as double) / b (or {{ dbt.safe_divide(...) }} with a double)",
                )
