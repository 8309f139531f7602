"""The dbt project compiles for Athena offline and every compiled node is Trino SQL.

One real `dbt compile --target athena` against a local moto server (the slow
part, about 10-15 s), then fast unit tests of the checker itself: snippets
that must fail, each with the rule that must catch it, and snippets that must
pass, so the check cannot silently accept everything (or reject valid Trino).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rfm_nbo.portability import athena_check
from rfm_nbo.portability.catalogue import RULES
from rfm_nbo.portability.dbt_compile import CompiledNode, CompileError, read_compiled_nodes
from rfm_nbo.portability.moto_env import offline_env
from rfm_nbo.portability.project_check import check_nodes, format_report
from rfm_nbo.portability.sql_check import check_sql, is_error
from rfm_nbo.portability.trino_reference import (
    DUCKDB_FUNCTIONS,
    DUCKDB_TYPES,
    SYNTAX_WORDS,
    TRINO_FUNCTIONS,
    TRINO_TYPE_WORDS,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------
# The real compile
# ---------------------------------------------------------------------------


def _invocation_id(manifest: Path) -> str | None:
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["metadata"]["invocation_id"]


@pytest.mark.slow
def test_project_compiles_for_athena_offline_and_is_portable(
    athena_compile: tuple[Path, str, int],
) -> None:
    target, output, status = athena_compile
    assert status == 0, output
    assert "OK: Athena-portable" in output
    # Written to its own target path, never over the DuckDB build's target/.
    athena_run = _invocation_id(target / "manifest.json")
    assert athena_run is not None
    assert _invocation_id(PROJECT_DIR / "target" / "manifest.json") != athena_run


@pytest.mark.slow
def test_every_compiled_sql_node_parses_as_trino(athena_compile: tuple[Path, str, int]) -> None:
    target, output, _ = athena_compile
    nodes = read_compiled_nodes(target)
    report = check_nodes(nodes)
    assert report.compiled["model"] > 0, output
    assert report.sql_nodes > report.compiled["model"], "tests must be compiled too"
    assert report.parsed == report.sql_nodes, format_report(report)


@pytest.mark.slow
def test_python_models_compile_to_python(athena_compile: tuple[Path, str, int]) -> None:
    target, _, _ = athena_compile
    python_files = sorted(PROJECT_DIR.glob("python_models/**/*.py"))
    python_nodes = [n for n in read_compiled_nodes(target) if n.language == "python"]
    assert len(python_nodes) == len(python_files)
    for node in python_nodes:
        assert "def model(dbt" in node.code, node.source_path
        assert "class dbtObj" in node.code, node.source_path  # dbt's compile-time wrapper


# ---------------------------------------------------------------------------
# The checker on snippets
# ---------------------------------------------------------------------------

MUST_FAIL = [
    ("select a::int as a from t", "double-colon-cast"),
    ("select cast(a as varchar)::date as a from t", "double-colon-cast"),
    ("select * exclude (a) from t", "star-modifier"),
    ("select * replace (lower(a) as a) from t", "star-modifier"),
    ("select a from t qualify row_number() over (order by a) = 1", "qualify"),
    ("select a from t qualify row_number() over (order by a) = 1", "parse-error"),
    ("select try_cast(a as text) as a from t", "type-name"),
    ("select cast(a as string) as a from t", "type-name"),
    ("select cast(a as int8) as a from t", "type-name"),
    ("select cast(a as hugeint) as a from t", "type-name"),
    ("select cast(a as float) as a from t", "type-name"),
    ("select cast(a as varchar[]) as a from t", "type-name"),
    ("select quantile_cont(a, 0.5) as p from t", "unknown-function"),
    ("select median(a) as p from t", "unknown-function"),
    ("select list(a) as l from t", "unknown-function"),
    ("select list_value(1, 2) as l", "unknown-function"),
    ("select struct_pack(a := 1) as s", "unknown-function"),
    ("select strftime(a, '%Y') as y from t", "unknown-function"),
    ("select epoch_ms(a) as e from t", "unknown-function"),
    ("select * from read_csv('orders.csv')", "unknown-function"),
    ("select * from read_parquet('orders.parquet')", "unknown-function"),
    ("select regexp_matches(a, 'x') as m from t", "unknown-function"),
    ("select string_agg(a, ',') as s from t", "unknown-function"),
    ("select arg_max(a, b) as m from t", "unknown-function"),
    ("select first(a) as f from t", "unknown-function"),
    ("select today() as d", "unknown-function"),
    ("select datediff('day', a, b) as d from t", "unknown-function"),
    ("select a // 2 as h from t", "integer-division-operator"),
    ("select a from t where a ilike 'x%'", "ilike"),
    ("select a, count(*) as n from t group by all", "group-by-all"),
    ("select a from t order by all", "group-by-all"),
    ("select distinct on (a) a, b from t", "distinct-on"),
    ("select * from t pivot (sum(b) for c in ('x'))", "pivot"),
    ("select a from t using sample 10", "using-sample"),
    ("select * from t asof join u on t.a >= u.a", "join-type"),
    ("select * from t anti join u on t.a = u.a", "join-type"),
    ("select [1, 2] as l", "list-literal"),
    ("select {'a': 1} as s", "struct-literal"),
    ("select a ->> 'k' as v from t", "json-arrow"),
    ("select a from t where a == 1", "double-equals"),
    ("select a + interval 1 day as b from t", "interval-literal"),
    ("select a + interval '1 day' as b from t", "interval-literal"),
    ("select log(a) as l from t", "function-signature"),
    ("select to_timestamp(a) as ts from t", "function-signature"),
    ("select date_diff(a, b) as d from t", "function-signature"),
    ("select sha256('salt' || lower(a)) as h from t", "hash-of-varchar"),
    ("select md5(lower(a)) as h from t", "hash-of-varchar"),
    ("select unnest(array[1, 2]) as x", "unnest-in-select"),
    ("select count(*) / count(distinct a) as r from t", "integer-division"),
    ("select 1 / 2 as r", "integer-division"),
    ("select cast(a as integer) / cast(b as bigint) as r from t", "integer-division"),
    ("create or replace view v as select 1 as x", "not-a-query"),
    ("select 1 as x; select 2 as y", "not-a-query"),
    ("select least(1.0, a) as x from t", "greatest-least-null"),
]

MUST_PASS = [
    "with orders as (select * from t)\n\nselect * from orders",
    "select cast(a as varchar) as a, try_cast(b as timestamp) as b from t",
    "select cast(a as decimal(18, 2)) as a, cast(b as double) as b, cast(c as int) as c from t",
    "select cast(a as row(x bigint, y array(varchar))) as a from t",
    "select cast(a as timestamp(3) with time zone) as a, cast(b as map(varchar, real)) as b from t",
    "select approx_percentile(a, 0.5) as p, max_by(a, b) as m, min_by(a, b) as n from t",
    "select count_if(a > 1) as c, ceiling(a) as d, arbitrary(b) as e from t",
    "select listagg(a, ',') within group (order by a) as l from t",
    "select array_join(array_agg(a), ',') as l, element_at(arr, 1) as f from t",
    "select arr[1] as f, array[1, 2] as g, transform(arr, x -> upper(x)) as h from t",
    "select * from (values (1), (2)) as v (x)",
    "with cte (a, b) as (select 1, 2) select * from cte",
    "select * from t cross join unnest(t.arr) as u (x)",
    "select date_add('day', 1, a) as a, date_diff('day', a, b) as d from t",
    "select a + interval '1' day as b, a - interval '3' month as c from t",
    "select lower(to_hex(sha256(to_utf8('salt' || lower(a))))) as h from t",
    "select cast(count(*) as double) / count(distinct a) as r from t",
    "select to_milliseconds(a - b) / 86400000 as d from t",
    "select sum(a) / count(*) as mean from t",
    "select a from t limit all",
    "select row_number() over (partition by a order by b desc, c) as rn from t",
    "select ntile(5) over (order by a, b) as tile, lag(a) over (order by b) as p from t",
    "select position('a' in b) as p, extract(year from c) as y, trim(d) as d from t",
    "select substring(e, 1, 2) as e, if(a > 1, 'x', 'y') as f, try(cast(b as integer)) as g from t",
    "select count(*) filter (where a > 1) as c from t group by grouping sets ((a), (b))",
    "select a from t where a in (select b from u) and exists (select 1 from u) and not (a = 1)",
    "select t.a from t inner join u on t.a = u.a left join v on t.a = v.a cross join w",
    "select least(1.0, coalesce(a, 0)) as x, greatest(0, -1) as y from t",
    "select least(1.0, a) as x -- athena-check: allow greatest-least-null\nfrom t",
    "-- a::int in a comment, read_csv() too\nselect 'a::b, quantile_cont(x)' as s",
    "select a from t where a like 'x%' and b != 1 and c <> 2",
    "select now() as n, current_date as d, cast(now() as timestamp) as ts",
]


@pytest.mark.parametrize(("sql", "rule"), MUST_FAIL)
def test_checker_rejects(sql: str, rule: str) -> None:
    found = {v.rule for v in check_sql(sql)}
    assert rule in found, f"{rule} not reported for {sql!r}; found {found}"


@pytest.mark.parametrize("sql", MUST_PASS)
def test_checker_accepts_valid_trino(sql: str) -> None:
    assert check_sql(sql) == []


def test_every_rule_is_exercised_by_a_failing_snippet() -> None:
    snippet_rules = {rule for _, rule in MUST_FAIL}
    project_level = {"python-syntax", "python-reads-view"}
    assert set(RULES) - project_level == snippet_rules


def test_violations_point_at_the_compiled_line() -> None:
    sql = "select\n    a,\n    b::int as b\nfrom t"
    (violation,) = check_sql(sql)
    assert (violation.line, violation.rule) == (3, "double-colon-cast")


def test_warnings_do_not_fail_but_errors_do() -> None:
    (warning,) = check_sql("select greatest(a, 0) as g from t")
    assert not is_error(warning)
    assert all(is_error(v) for v in check_sql("select a::int as a from t"))


def test_reference_lists_do_not_contradict_each_other() -> None:
    # A DuckDB name that is also a Trino function would never be reported.
    assert not set(DUCKDB_FUNCTIONS) & TRINO_FUNCTIONS
    assert not set(DUCKDB_TYPES) & TRINO_TYPE_WORDS
    # Syntax words are skipped by the function check: only real syntax there.
    assert not SYNTAX_WORDS & set(DUCKDB_FUNCTIONS)


# ---------------------------------------------------------------------------
# Project-level checks, environment, command line
# ---------------------------------------------------------------------------


def _node(unique_id: str, language: str = "sql", materialized: str = "table", **kw) -> CompiledNode:
    name = unique_id.split(".")[-1]
    return CompiledNode(
        unique_id=unique_id,
        resource_type=kw.get("resource_type", "model"),
        language=language,
        source_path=f"models/{name}.{'py' if language == 'python' else 'sql'}",
        compiled_path=f"target_athena/compiled/{name}",
        code=kw.get("code", "select 1 as x"),
        materialized=materialized,
        depends_on=tuple(kw.get("depends_on", ())),
    )


def test_python_model_reading_a_view_is_rejected() -> None:
    nodes = [
        _node("model.p.stg_orders", materialized="view"),
        _node("model.p.int_scores", materialized="table"),
        _node(
            "model.p.clusters",
            language="python",
            code="def model(dbt, session):\n    return dbt.ref('stg_orders')\n",
            depends_on=["model.p.stg_orders", "model.p.int_scores"],
        ),
    ]
    report = check_nodes(nodes)
    assert [(v.node.unique_id, v.violation.rule) for v in report.errors] == [
        ("model.p.clusters", "python-reads-view")
    ]
    assert "stg_orders" in format_report(report)


def test_broken_python_model_is_rejected() -> None:
    report = check_nodes([_node("model.p.bad", language="python", code="def model(:\n")])
    assert [v.violation.rule for v in report.errors] == ["python-syntax"]


def test_empty_hook_is_not_checked() -> None:
    report = check_nodes([_node("operation.p.hook", resource_type="operation", code="")])
    assert report.ok and report.sql_nodes == 0 and report.compiled["hook"] == 1


def test_offline_env_never_reaches_a_real_account(tmp_path: Path) -> None:
    base = {"AWS_PROFILE": "production", "ATHENA_SCHEMA": "my_schema", "PATH": os.environ["PATH"]}
    env = offline_env("http://127.0.0.1:5999", tmp_path, base)
    assert "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5999"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert Path(env["AWS_CONFIG_FILE"]).read_text() == ""  # not ~/.aws/config
    assert env["ATHENA_SCHEMA"] == "my_schema"  # the caller's value wins
    assert env["ATHENA_S3_STAGING_DIR"] == "s3://rfm-athena-results/"


def test_cli_checks_sql_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.sql"
    good.write_text("select cast(a as varchar) as a from t\n")
    bad = tmp_path / "bad.sql"
    bad.write_text("select\n    quantile_cont(a, 0.5) as p\nfrom t\n")
    assert athena_check.main(["--sql", str(good)]) == 0
    assert athena_check.main(["--sql", str(good), str(bad)]) == 1
    output = capsys.readouterr().out
    assert f"{bad}:2: [unknown-function] quantile_cont()" in output
    assert "approx_percentile" in output


def test_cli_exits_2_with_dbt_output_when_compile_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_compile(project_dir: Path, target_path: Path, run_vars: str | None) -> None:
        raise CompileError("`dbt compile --target athena` failed (exit 2):\nref not found")

    monkeypatch.setattr(athena_check, "_compile", failing_compile)
    assert athena_check.run(tmp_path, tmp_path / "target_athena") == 2
    assert "ref not found" in capsys.readouterr().err


def test_cli_skip_compile_without_manifest_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert athena_check.run(tmp_path, tmp_path / "nothing", skip_compile=True) == 2
    assert "compile first" in capsys.readouterr().err


def test_cli_lists_every_rule_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert athena_check.main(["--list-rules"]) == 0
    output = capsys.readouterr().out
    for rule in RULES.values():
        assert rule.id in output and rule.reason in output
