"""Athena (Trino) SQL rewritten as DuckDB SQL that keeps Trino's semantics.

``sqlglot.transpile(sql, read="trino", write="duckdb")`` translates syntax,
but the meaning of some operators depends on types it does not know, and a
few functions share a name and differ in meaning. So each compiled model is
parsed, qualified and type-annotated against the schema of the tables
already built (``sqlglot.optimizer``), rewritten where Trino and DuckDB
disagree (``TRANSLATIONS``), and scanned for constructs this emulation
cannot reproduce (``TYPED_RULES``: those are reported, never silently
accepted).

Used by ``emulate`` to run the Athena-compiled project on DuckDB.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

READ = "trino"
WRITE = "duckdb"

# Schema mapping: catalog -> schema -> table -> column -> Trino type text.
SchemaMapping = Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]]


@dataclass(frozen=True)
class Translation:
    """A construct whose DuckDB spelling differs from Trino's, and why."""

    id: str
    trino: str
    duckdb: str
    reason: str


TRANSLATIONS: dict[str, Translation] = {
    t.id: t
    for t in [
        Translation(
            "integer-division",
            "a / b with both operands integer",
            "CAST(TRUNC(a / b) AS BIGINT) (sqlglot, once the operand types are annotated)",
            "Trino's integer division truncates (math.md: 'division of integers truncates'); "
            "DuckDB's `/` returns a double. Types come from the tables already built.",
        ),
        Translation(
            "decimal-division",
            "a / b with a decimal operand and no floating-point operand",
            "CAST(ROUND(CAST(a AS DOUBLE) / CAST(b AS DOUBLE), s) AS DECIMAL(38, s)), "
            "s = the larger operand scale",
            "Trino divides decimals as decimals: the quotient has the larger operand scale, "
            "rounded half up (decimal(38, 9) / decimal(38, 9) keeps 9 places); DuckDB "
            "divides decimals as doubles.",
        ),
        Translation(
            "to-milliseconds",
            "to_milliseconds(a - b) (dbt-athena's datediff)",
            "CAST(date_diff('millisecond', b, a) AS BIGINT)",
            "Trino's to_milliseconds(interval) returns bigint milliseconds; DuckDB has a "
            "function of the same name that builds an interval from a number.",
        ),
        Translation(
            "time-zones",
            "at_timezone(ts, zone), with_timezone(ts, zone)",
            "timezone(zone, ts)",
            "Trino's at_timezone moves a timestamp with time zone to a zone and "
            "with_timezone reads a plain timestamp in a zone; DuckDB's timezone(zone, ts) "
            "does the first for a TIMESTAMPTZ (giving local wall time) and the second for a "
            "TIMESTAMP. sqlglot leaves both names as they are, which DuckDB lacks.",
        ),
        Translation(
            "regex-backreferences",
            "regexp_replace(s, pattern, '... $1 ...')",
            "regexp_replace(s, pattern, '... \\1 ...', 'g')",
            "Trino writes a group in the replacement as $1, DuckDB (RE2) as \\1; sqlglot "
            "keeps the text, so DuckDB would insert a literal '$1'.",
        ),
        Translation(
            "normal-cdf",
            "normal_cdf(mean, sd, x)",
            "normal_cdf(mean, sd, x), a DuckDB Python UDF with math.erf (exact)",
            "Trino has normal_cdf, DuckDB has none. Our DuckDB target uses the "
            "Abramowitz & Stegun erf approximation (macros/statistics.sql, error < 1.5e-7), "
            "so p-values differ by up to ~1e-7 (a known difference, tolerance 1e-6).",
        ),
    ]
}


@dataclass(frozen=True)
class TypedRule:
    """A construct whose result differs between Trino and DuckDB in a way this
    emulation does not reproduce: reported as a finding (an error)."""

    id: str
    rejects: str
    reason: str


TYPED_RULES: dict[str, TypedRule] = {
    r.id: r
    for r in [
        TypedRule(
            "double-to-varchar",
            "cast(<double or real> as varchar)",
            "Trino writes doubles in scientific notation (cast(1.5e0 as varchar) = '1.5E0'); "
            "DuckDB writes '1.5'. Format with format('%.2f', x) or cast to decimal first.",
        ),
        TypedRule(
            "timestamp-to-varchar",
            "cast(<timestamp> as varchar)",
            "Trino writes the fraction of the timestamp's precision ('2024-01-01 10:00:00.000' "
            "for timestamp(3)); DuckDB omits a zero fraction. Use date_format / strftime "
            "through a dispatch macro.",
        ),
        TypedRule(
            "concat-non-varchar",
            "a || b where an operand is not a string",
            "Trino's || (concat) takes varchar (or arrays) only and fails on numbers; "
            "DuckDB casts implicitly. Cast the operand to varchar first.",
        ),
        TypedRule(
            "untyped-division",
            "a / b where an operand's type is unknown and neither is floating point",
            "Whether Trino truncates (integers) or rounds to a scale (decimals) depends "
            "on the types; the emulation cannot tell, so it would not match Athena.",
        ),
    ]
}


@dataclass(frozen=True)
class Finding:
    """A typed-rule hit in one compiled model."""

    rule: str
    construct: str


@dataclass
class TranslatedSql:
    """One model's DuckDB SQL, the translations it needed and any findings."""

    sql: str
    translations: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)


class TranslationError(RuntimeError):
    """The SQL cannot be emulated (parse or qualification failed, or a construct
    has no translation)."""


# DuckDB type names (information_schema.columns.data_type) -> Trino type text.
_DUCKDB_TO_TRINO = {
    "FLOAT": "REAL",
    "HUGEINT": "DECIMAL(38, 0)",
    "UHUGEINT": "DECIMAL(38, 0)",
    "UBIGINT": "DECIMAL(20, 0)",
    "UINTEGER": "BIGINT",
    "USMALLINT": "INTEGER",
    "UTINYINT": "SMALLINT",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP(6) WITH TIME ZONE",
}


def trino_type(duckdb_type: str) -> str:
    """A DuckDB column type as the Trino type sqlglot should assume."""
    return _DUCKDB_TO_TRINO.get(duckdb_type.upper(), duckdb_type)


def _is(node: exp.Expression, *kinds: exp.DType) -> bool:
    return node.type is not None and node.type.is_type(*kinds)


def _unknown(node: exp.Expression) -> bool:
    return node.type is None or node.type.this in (exp.DType.UNKNOWN, exp.DType.NULL)


_INTEGERS = tuple(exp.DataType.INTEGER_TYPES)
_REALS = (exp.DType.FLOAT, exp.DType.DOUBLE, exp.DType.UDOUBLE)
_DECIMALS = (
    exp.DType.DECIMAL,
    exp.DType.DECIMAL32,
    exp.DType.DECIMAL64,
    exp.DType.DECIMAL128,
    exp.DType.DECIMAL256,
    exp.DType.BIGDECIMAL,
    exp.DType.UDECIMAL,
)
_TEXTS = tuple(exp.DataType.TEXT_TYPES)
_TIMESTAMPS = (
    exp.DType.TIMESTAMP,
    exp.DType.TIMESTAMPTZ,
    exp.DType.TIMESTAMPLTZ,
    exp.DType.TIMESTAMP_MS,
    exp.DType.TIMESTAMP_S,
    exp.DType.TIMESTAMP_NS,
    exp.DType.DATETIME,
)


def _scale(node: exp.Expression) -> int | None:
    """The decimal scale of an operand (integers: 0), None when unknown."""
    if _is(node, *_INTEGERS):
        return 0
    if not _is(node, *_DECIMALS):
        return None
    params = node.type.expressions if node.type is not None else []
    if len(params) != 2:
        return None
    try:
        return int(params[1].name)
    except ValueError:
        return None


def _to_milliseconds(node: exp.Expression, used: set[str]) -> exp.Expression:
    if not (isinstance(node, exp.Anonymous) and node.name.lower() == "to_milliseconds"):
        return node
    argument = node.expressions[0].unnest() if node.expressions else None
    if not isinstance(argument, exp.Sub):
        raise TranslationError(
            f"no DuckDB translation for {node.sql(READ)}: only to_milliseconds(a - b) is emulated"
        )
    used.add("to-milliseconds")
    difference = exp.Anonymous(
        this="date_diff",
        expressions=[exp.Literal.string("millisecond"), argument.expression, argument.this],
    )
    return exp.cast(difference, exp.DType.BIGINT)


_TIME_ZONE_FUNCTIONS = ("at_timezone", "with_timezone")
_BACKREFERENCE = re.compile(r"\$(\d)")


def _time_zones_and_backreferences(node: exp.Expression, used: set[str]) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() in _TIME_ZONE_FUNCTIONS:
        timestamp, zone = node.expressions
        used.add("time-zones")
        # The replacement's children are not visited again: nested calls here.
        timestamp = timestamp.transform(lambda inner: _time_zones_and_backreferences(inner, used))
        return exp.Anonymous(this="timezone", expressions=[zone, timestamp])
    replacement = node.args.get("replacement") if isinstance(node, exp.RegexpReplace) else None
    if isinstance(replacement, exp.Literal) and _BACKREFERENCE.search(replacement.this):
        used.add("regex-backreferences")
        node = node.copy()
        node.set("replacement", exp.Literal.string(_BACKREFERENCE.sub(r"\\\1", replacement.this)))
    return node


def _decimal_quotient(division: exp.Div, scale: int) -> exp.Expression:
    quotient = exp.Div(
        this=exp.cast(division.this.copy(), exp.DType.DOUBLE),
        expression=exp.cast(division.expression.copy(), exp.DType.DOUBLE),
    )
    rounded = exp.Round(this=quotient, decimals=exp.Literal.number(scale))
    return exp.cast(rounded, exp.DataType.build(f"DECIMAL(38, {scale})"))


def _expression_metadata() -> dict:
    """Trino's type annotators plus min_by/max_by, which sqlglot leaves untyped: their
    result has the type of their first argument (Trino functions/aggregate.md)."""
    metadata = dict(Dialect.get_or_raise(READ).EXPRESSION_METADATA)
    for arg_extreme in (exp.ArgMin, exp.ArgMax):
        metadata[arg_extreme] = metadata[exp.AnyValue]
    return metadata


_EXPRESSION_METADATA = _expression_metadata()


def _annotate(tree: exp.Expression, schema: MappingSchema) -> exp.Expression:
    return annotate_types(
        tree, schema=schema, expression_metadata=_EXPRESSION_METADATA, dialect=READ
    )


def _rewrite_decimal_divisions(tree: exp.Expression, schema: MappingSchema, used: set[str]):
    """Replace decimal divisions by their Trino result, innermost first, re-annotating
    between passes so a quotient's scale is known to the division that uses it."""
    for _ in range(20):
        tree = _annotate(tree, schema)
        changed = False
        for division in list(tree.find_all(exp.Div)):
            left, right = division.this, division.expression
            if _is(left, *_REALS) or _is(right, *_REALS):
                continue
            if not (_is(left, *_DECIMALS) or _is(right, *_DECIMALS)):
                continue
            left_scale, right_scale = _scale(left), _scale(right)
            if left_scale is None or right_scale is None:
                continue  # an inner quotient not rewritten yet: next pass
            division.replace(_decimal_quotient(division, max(left_scale, right_scale)))
            used.add("decimal-division")
            changed = True
        if not changed:
            return tree
    raise TranslationError("decimal divisions did not settle after 20 passes")


def _findings(tree: exp.Expression, used: set[str]) -> list[Finding]:
    found: list[Finding] = []
    for node in tree.walk():
        if isinstance(node, exp.Cast) and node.to.is_type(*_TEXTS):
            if _is(node.this, *_REALS):
                found.append(Finding("double-to-varchar", node.sql(READ)[:100]))
            elif _is(node.this, *_TIMESTAMPS):
                found.append(Finding("timestamp-to-varchar", node.sql(READ)[:100]))
        elif isinstance(node, exp.DPipe):
            for operand in (node.this, node.expression):
                if not _unknown(operand) and not _is(operand, *_TEXTS):
                    found.append(
                        Finding("concat-non-varchar", f"{operand.sql(READ)[:80]} ({operand.type})")
                    )
        elif isinstance(node, exp.Div):
            left, right = node.this, node.expression
            if _is(left, *_REALS) or _is(right, *_REALS):
                continue
            if _unknown(left) or _unknown(right):
                found.append(Finding("untyped-division", node.sql(READ)[:100]))
            elif _is(left, *_INTEGERS) and _is(right, *_INTEGERS):
                used.add("integer-division")
    for call in tree.find_all(exp.Anonymous):
        if call.name.lower() == "normal_cdf":
            used.add("normal-cdf")
    return found


def schema_from_columns(rows: list[tuple[str, str, str, str, str]]) -> MappingSchema:
    """A sqlglot schema from (catalog, schema, table, column, DuckDB type) rows."""
    mapping: dict = {}
    for catalog, schema, table, column, data_type in rows:
        mapping.setdefault(catalog, {}).setdefault(schema, {}).setdefault(table, {})[column] = (
            trino_type(data_type)
        )
    return MappingSchema(mapping, dialect=READ)


def translate(trino_sql: str, schema: MappingSchema | SchemaMapping) -> TranslatedSql:
    """Trino SQL as DuckDB SQL with Trino's semantics, given the referenced tables' columns."""
    if not isinstance(schema, MappingSchema):
        schema = MappingSchema(dict(schema), dialect=READ)
    try:
        statements = sqlglot.parse(trino_sql, read=READ)
    except sqlglot.errors.ParseError as error:
        raise TranslationError(f"sqlglot cannot parse the Trino SQL: {error}") from error
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise TranslationError(f"expected one query, found {len(statements)} statements")
    used: set[str] = set()
    tree = statements[0].transform(
        lambda node: _time_zones_and_backreferences(_to_milliseconds(node, used), used)
    )
    try:
        tree = qualify(tree, schema=schema, dialect=READ, validate_qualify_columns=False)
    except sqlglot.errors.SqlglotError as error:
        raise TranslationError(f"sqlglot cannot qualify the query: {error}") from error
    tree = _rewrite_decimal_divisions(tree, schema, used)
    findings = _findings(tree, used)
    return TranslatedSql(tree.sql(dialect=WRITE), used, findings)
