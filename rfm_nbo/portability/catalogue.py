"""The rules of the Athena portability check: what each rejects, and why.

The reasons cite the Trino documentation pages (trinodb/trino,
docs/src/main/sphinx/...) and the DuckDB documentation they were checked
against. `python -m rfm_nbo.portability.athena_check --list-rules` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

DIALECT = "trino"


@dataclass(frozen=True)
class Rule:
    """One check: what it rejects and the documented reason. An ``error`` does
    not run on Athena or gives other numbers for sure; a ``warning`` gives other
    results only for some data (printed, does not fail the check)."""

    id: str
    rejects: str
    reason: str
    severity: str = "error"


@dataclass(frozen=True, order=True)
class Violation:
    """A construct Athena cannot run (or runs differently), where and what to use."""

    line: int
    rule: str
    construct: str
    advice: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in [
        Rule(
            "parse-error",
            "SQL that sqlglot's Trino parser rejects (QUALIFY, `//`, `**`, `~`, ...)",
            "if the lenient Trino parser fails, Athena fails too",
        ),
        Rule(
            "not-a-query",
            "a model, test or analysis that is not exactly one SELECT/WITH query",
            "dbt writes the DDL (create table/view) per adapter; DDL or several "
            "statements in a model bypass the Athena materializations",
        ),
        Rule(
            "double-colon-cast",
            "`x::type`",
            "Trino has no `::` operator (types.md, select.md); sqlglot accepts it and "
            "rewrites it to CAST, so only the compiled text shows it",
        ),
        Rule(
            "integer-division-operator",
            "`a // b`",
            "DuckDB's integer division operator; Trino has only `/` (math.md)",
        ),
        Rule(
            "double-equals",
            "`a == b`",
            "DuckDB accepts `==`; Trino's comparison operators are =, <>, != (list.md)",
        ),
        Rule(
            "ilike",
            "`x ilike pattern`",
            "Trino has LIKE only; sqlglot's own Trino output rewrites ILIKE as "
            "lower(x) like lower(pattern)",
        ),
        Rule(
            "qualify",
            "`qualify <window condition>`",
            "not in Trino's SELECT grammar (select.md)",
        ),
        Rule(
            "star-modifier",
            "`* exclude (...)`, `* replace (...)`, `* rename (...)`",
            "not in Trino's select expressions (select.md: `*`, `relation.*`); sqlglot "
            "accepts them",
        ),
        Rule(
            "group-by-all",
            "`group by all` / `order by all` (DuckDB: every non-aggregate column)",
            "in Trino `GROUP BY ALL` is a set quantifier that must be followed by "
            "grouping elements, and ORDER BY has no ALL (select.md)",
        ),
        Rule(
            "distinct-on",
            "`select distinct on (...)`",
            "not in Trino's SELECT grammar (select.md: SELECT [ALL | DISTINCT])",
        ),
        Rule(
            "pivot",
            "`pivot` / `unpivot`",
            "not in Trino's grammar, and sqlglot's Trino parser drops the PIVOT clause "
            "silently (seen with sqlglot 30)",
        ),
        Rule(
            "using-sample",
            "`using sample n`",
            "DuckDB sampling; Trino has TABLESAMPLE BERNOULLI (p) / SYSTEM (p) (select.md)",
        ),
        Rule(
            "join-type",
            "`asof`, `positional`, `anti`, `semi`, `natural` joins",
            "Trino's join types are [INNER] JOIN, LEFT/RIGHT/FULL [OUTER] JOIN and "
            "CROSS JOIN (select.md)",
        ),
        Rule(
            "list-literal",
            "`[1, 2]` list literals",
            "Trino's array constructor is ARRAY[...] (types.md)",
        ),
        Rule(
            "struct-literal",
            "`{'key': value}` struct literals",
            "Trino builds rows with ROW(...) / CAST(ROW(...) AS ROW(...)) (types.md)",
        ),
        Rule(
            "json-arrow",
            "`json ->> 'key'`",
            "Trino's only arrow is the lambda `->` (list.md); use the JSON functions",
        ),
        Rule(
            "interval-literal",
            "`interval 1 day`, `interval '1 day'`",
            "Trino writes INTERVAL '<n>' <unit>, e.g. INTERVAL '3' MONTH (types.md)",
        ),
        Rule(
            "unknown-function",
            "a function that is not in Trino's function list",
            "Athena engine v3 runs Trino's functions (Athena docs point to the Trino "
            "list); DuckDB names like quantile_cont, strftime, list, string_agg, "
            "regexp_matches, epoch_ms, arg_max or read_csv do not exist there",
        ),
        Rule(
            "function-signature",
            "log(x), to_timestamp(x), date_add/date_diff without a unit string first",
            "same name, other meaning: Trino has log(b, x) (math.md) and "
            "to_timestamp(string, format) (teradata.md); date_add(unit, value, ts) and "
            "date_diff(unit, ts1, ts2) take the unit first (datetime.md)",
        ),
        Rule(
            "hash-of-varchar",
            "md5/sha256/xxhash64... of a varchar expression",
            "Trino hash functions take varbinary (binary.md: sha256(binary) -> "
            "varbinary): wrap the text in to_utf8()",
        ),
        Rule(
            "type-name",
            "a cast to a type Trino lacks (text, string, hugeint, float, int8, type[] ...)",
            "Trino's types are those of types.md (varchar, not text/string; real and "
            "double, not float; bigint, not int8)",
        ),
        Rule(
            "greatest-least-null",
            "greatest()/least() with an argument that may be null",
            "Trino returns null if any argument is null (comparison.md, GREATEST and "
            "LEAST); DuckDB ignores null arguments: wrap nullable ones in coalesce()",
            severity="warning",
        ),
        Rule(
            "unnest-in-select",
            "`select unnest(array)`",
            "Trino's UNNEST is a relation used in FROM/JOIN (select.md: "
            "CROSS JOIN UNNEST(x) AS t (col))",
        ),
        Rule(
            "integer-division",
            "`/` between two integer expressions (literals, count(), casts to int...)",
            "Trino truncates integer division (math.md), DuckDB's `/` returns a double "
            "(DuckDB docs): the same SQL gives different numbers",
        ),
        Rule(
            "python-syntax",
            "a compiled Python model that is not valid Python",
            "dbt-athena submits the compiled code to Athena for Apache Spark as is",
        ),
        Rule(
            "python-reads-view",
            "a Python model that refs a view or an ephemeral model",
            "on Athena, Python models run on Spark, which cannot read Athena views "
            "(DESIGN.md): materialize what they read as tables",
        ),
    ]
}


def is_error(violation: Violation) -> bool:
    """Whether the violation fails the check (warnings are only printed)."""
    return RULES[violation.rule].severity == "error"
