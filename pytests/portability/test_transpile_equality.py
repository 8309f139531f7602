"""The Athena-compiled SQL, run on DuckDB, equals the DuckDB target's tables.

The real check (slow, about 30 s with its two builds): every SQL model of the
Athena compile is translated (sqlglot, Trino semantics kept), run in
dependency order over the demo seeds, and compared with the DuckDB build.
Then fast tests of each part: the translations, the typed rules, the
comparison, the seed loading, and the exception list itself.

Where the engines legitimately differ the check does not skip anything: the
difference is listed in ``rfm_nbo.portability.compare.KNOWN_DIFFERENCES``
with its reason and tolerance, and an entry that is no longer needed fails.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from rfm_nbo.portability import transpile_check
from rfm_nbo.portability.builds import ReferenceBuild
from rfm_nbo.portability.compare import (
    KNOWN_DIFFERENCES,
    compare_relations,
)
from rfm_nbo.portability.emulate import (
    Emulator,
    ManifestNode,
    connect_emulation,
    normal_cdf,
    read_manifest_nodes,
)
from rfm_nbo.portability.transpile import (
    TRANSLATIONS,
    TYPED_RULES,
    TranslationError,
    schema_from_columns,
    translate,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------
# The real check
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def transpile_report(
    athena_compile: tuple[Path, str, int], reference_build: ReferenceBuild
) -> transpile_check.TranspileReport:
    target, output, status = athena_compile
    assert status == 0, output
    return transpile_check.run_check(
        target,
        reference_build.warehouse,
        PROJECT_DIR,
        transpile_check.reference_relations_of(reference_build.manifest()),
    )


@pytest.mark.slow
def test_athena_sql_on_duckdb_equals_the_duckdb_target(
    transpile_report: transpile_check.TranspileReport,
) -> None:
    report = transpile_report
    assert report.ok, transpile_check.format_report(report)
    assert report.seconds < 60


@pytest.mark.slow
def test_no_sql_model_is_skipped(
    transpile_report: transpile_check.TranspileReport, athena_compile: tuple[Path, str, int]
) -> None:
    manifest = json.loads((athena_compile[0] / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    sql_models = {n["name"] for n in models if n["language"] == "sql"}
    python_models = {n["name"] for n in models if n["language"] == "python"}
    compared = {c.model for c in transpile_report.comparisons}
    assert compared == sql_models
    assert set(transpile_report.python_models) == python_models  # copied, not compared
    marts = {n["name"] for n in models if n["original_file_path"].startswith("models/marts/")}
    assert marts and marts <= compared
    assert all(c.rows_emulated > 0 for c in transpile_report.comparisons if c.model in marts)


@pytest.mark.slow
def test_the_translations_the_project_needs_are_the_documented_ones(
    transpile_report: transpile_check.TranspileReport,
) -> None:
    used = transpile_report.translations_used
    assert set(used) <= set(TRANSLATIONS)
    # dbt-athena's datediff and our p-values: always there.
    assert {"to-milliseconds", "normal-cdf"} <= set(used)
    assert "fct_campaign_performance" in used["normal-cdf"]


def test_every_exception_names_a_model_of_the_project_and_says_why() -> None:
    model_files = {path.stem for path in PROJECT_DIR.glob("models/**/*.sql")}
    for known in KNOWN_DIFFERENCES:
        assert known.model in model_files, known
        assert known.kind in ("tolerance", "type", "build")
        assert len(known.reason) > 40
        assert known.kind != "tolerance" or 0 < known.tolerance <= 1e-5
    keys = [(k.model, k.column, k.kind) for k in KNOWN_DIFFERENCES]
    assert len(keys) == len(set(keys))
    # The p-values: Athena's normal_cdf against the erf approximation, at 1e-6.
    p_values = [k for k in KNOWN_DIFFERENCES if k.column.endswith("p_value")]
    assert {k.tolerance for k in p_values} == {1e-6}


def test_cli_lists_every_exception_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert transpile_check.main(["--list-exceptions"]) == 0
    output = capsys.readouterr().out
    for item in [*TRANSLATIONS.values(), *TYPED_RULES.values()]:
        assert item.id in output and item.reason in output
    for known in KNOWN_DIFFERENCES:
        assert f"{known.model}.{known.column}" in output


# ---------------------------------------------------------------------------
# Translations: run both spellings on DuckDB and get Trino's answer
# ---------------------------------------------------------------------------

SCHEMA = {
    "c": {
        "s": {
            "t": {
                "i": "INTEGER",
                "j": "BIGINT",
                "d": "DOUBLE",
                "m": "DECIMAL(18, 2)",
                "n": "DECIMAL(38, 9)",
                "a": "DATE",
                "b": "DATE",
                "v": "VARCHAR",
                "ts": "TIMESTAMP",
            }
        }
    }
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = connect_emulation("c")
    connection.execute("create schema c.s")
    connection.execute(
        "create table c.s.t as select 7 as i, cast(-7 as bigint) as j, 2.5 as d, "
        "cast(1.00 as decimal(18, 2)) as m, cast(3 as decimal(38, 9)) as n, "
        "date '2024-03-10' as a, date '2024-03-01' as b, 'x' as v, "
        "timestamp '2024-03-01 10:00:00' as ts"
    )
    return connection


def _run(con: duckdb.DuckDBPyConnection, trino_sql: str) -> tuple:
    translated = translate(trino_sql, SCHEMA)
    assert translated.findings == []
    return con.execute(translated.sql).fetchone()


def test_integer_division_truncates_like_trino(con: duckdb.DuckDBPyConnection) -> None:
    assert _run(con, "select i / 2 as q, j / 2 as r, count(*) over () / 2 as h from c.s.t") == (
        3,
        -3,
        0,
    )
    # Untranslated, DuckDB would answer 3.5: the translation is what makes it Trino.
    assert con.execute("select 7 / 2").fetchone() == (3.5,)


def test_decimal_division_rounds_to_the_larger_scale(con: duckdb.DuckDBPyConnection) -> None:
    quotient, by_integer, nested = _run(
        con, "select m / n as q, m / 3 as r, (m / n) / (m / n) as s from c.s.t"
    )
    assert float(quotient) == 0.333333333  # scale 9
    assert float(by_integer) == 0.33  # scale 2, as Trino's decimal(18,2) / integer
    assert float(nested) == 1.0
    assert "decimal-division" in translate("select m / n as q from c.s.t", SCHEMA).translations


def test_min_by_and_max_by_have_their_first_arguments_type(con: duckdb.DuckDBPyConnection) -> None:
    """sqlglot leaves min_by/max_by untyped; a division by or of one must still be typed
    (macros/clv.sql divides a sum of doubles minus a min_by of doubles by a count)."""
    sql = (
        "select min_by(i, a) / 2 as q, max_by(i, b) / 2 as r, "
        "(sum(d) - min_by(d, a)) / (count(*) + 1) as s, max_by(m, a) / 3 as t from c.s.t"
    )
    translated = translate(sql, SCHEMA)
    assert translated.translations == {"integer-division", "decimal-division"}
    q, r, s, t = _run(con, sql)
    assert (q, r, s, float(t)) == (3, 3, 0.0, 0.33)


def test_to_milliseconds_of_a_date_difference(con: duckdb.DuckDBPyConnection) -> None:
    sql = "select to_milliseconds(a - b) / 86400000 as days from c.s.t"
    assert _run(con, sql) == (9,)
    translated = translate(sql, SCHEMA)
    assert translated.translations == {"to-milliseconds", "integer-division"}


def test_to_milliseconds_of_anything_else_is_refused() -> None:
    with pytest.raises(TranslationError, match="only to_milliseconds"):
        translate("select to_milliseconds(interval '1' day) as ms from c.s.t", SCHEMA)


def test_normal_cdf_is_exact(con: duckdb.DuckDBPyConnection) -> None:
    (p,) = _run(con, "select normal_cdf(0, 1, 1.96) as p from c.s.t")
    assert p == pytest.approx(0.9750021048517795, abs=1e-15)
    assert normal_cdf(0.0, 1.0, 0.0) == 0.5
    assert normal_cdf(None, 1.0, 0.0) is None
    assert math.isclose(normal_cdf(10.0, 2.0, 12.0), normal_cdf(0.0, 1.0, 1.0))


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("select cast(d as varchar) as s from c.s.t", "double-to-varchar"),
        ("select cast(ts as varchar) as s from c.s.t", "timestamp-to-varchar"),
        ("select v || i as s from c.s.t", "concat-non-varchar"),
        ("select v || cast(i as varchar) as s from c.s.t", None),
        ("select cast(i as varchar) as s, cast(m as varchar) as t from c.s.t", None),
        ("select unknown_column / 2 as q from c.s.t", "untyped-division"),
        ("select unknown_column / 2.0e0 as q from c.s.t", None),
    ],
)
def test_typed_rules(sql: str, rule: str | None) -> None:
    found = [finding.rule for finding in translate(sql, SCHEMA).findings]
    assert found == ([rule] if rule else [])


def test_unparseable_sql_is_an_error_not_a_skip() -> None:
    with pytest.raises(TranslationError, match="parse"):
        translate("select from where", SCHEMA)
    with pytest.raises(TranslationError, match="one query"):
        translate("select 1 as a; select 2 as b", SCHEMA)


def test_schema_from_duckdb_columns_maps_types_to_trino() -> None:
    schema = schema_from_columns(
        [
            ("c", "s", "t", "x", "HUGEINT"),
            ("c", "s", "t", "y", "FLOAT"),
            ("c", "s", "t", "z", "INTEGER"),
        ]
    )
    types = schema.column_names("c.s.t")
    assert types == ["x", "y", "z"]
    translated = translate("select x / z as q from c.s.t", schema)
    assert translated.findings == []  # decimal(38, 0) / integer: typed


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


@pytest.fixture
def pair() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "create table a as select k, s, cast(f as double) as f, ts from (values "
        "(1, 'x', 0.5, timestamp '2024-01-01 10:00:00.123'),"
        " (2, 'y', 1.5, timestamp '2024-01-01 11:00:00')) v(k, s, f, ts)"
    )
    connection.execute("create table b as select * from a order by k desc")  # other row order
    return connection


def test_equal_rows_in_another_order_are_equal(pair: duckdb.DuckDBPyConnection) -> None:
    assert compare_relations(pair, "m", "a", "b", []).ok


def test_a_changed_value_is_found(pair: duckdb.DuckDBPyConnection) -> None:
    pair.execute("update b set s = 'z' where k = 2")
    result = compare_relations(pair, "m", "a", "b", [])
    assert not result.ok and result.problems[0].column == "s"


def test_float_tolerance_and_timestamp_milliseconds(pair: duckdb.DuckDBPyConnection) -> None:
    pair.execute("update b set f = f + 1e-12, ts = ts + interval 400 microsecond")
    assert compare_relations(pair, "m", "a", "b", []).ok
    pair.execute("update b set f = f + 1e-6")
    result = compare_relations(pair, "m", "a", "b", [])
    assert [p.column for p in result.problems] == ["f"]


def test_a_known_difference_widens_only_its_column(pair: duckdb.DuckDBPyConnection) -> None:
    from rfm_nbo.portability.compare import KnownDifference

    pair.execute("update b set f = f + 1e-7")
    known = [KnownDifference("m", "f", "tolerance", "test", 1e-6)]
    result = compare_relations(pair, "m", "a", "b", known)
    assert result.ok and result.needed == known


def test_row_count_and_column_differences(pair: duckdb.DuckDBPyConnection) -> None:
    pair.execute("insert into b values (3, 'z', 2.5, timestamp '2024-01-02 00:00:00')")
    assert "rows" in compare_relations(pair, "m", "a", "b", []).problems[0].problem
    pair.execute("create table c as select k, s, f from a")
    assert "columns differ" in compare_relations(pair, "m", "a", "c", []).problems[0].problem
    pair.execute("create table d as select k, cast(s as integer) as s, f, ts from a where false")
    pair.execute("create table e as select * from a where false")
    assert "type" in compare_relations(pair, "m", "e", "d", []).problems[0].problem


# ---------------------------------------------------------------------------
# Seeds as Athena holds them
# ---------------------------------------------------------------------------


def _seed(name: str, path: str, column_types: dict[str, str]) -> ManifestNode:
    return ManifestNode(
        unique_id=f"seed.p.{name}",
        resource_type="seed",
        name=name,
        language="sql",
        materialized="seed",
        database="c",
        schema="s",
        alias=name,
        relation_name=f'"c"."s"."{name}"',
        original_file_path=path,
        code="",
        column_types=column_types,
        depends_on=(),
    )


def test_demo_seeds_load_as_text_and_reference_seeds_as_declared(tmp_path: Path) -> None:
    (tmp_path / "seeds" / "demo").mkdir(parents=True)
    (tmp_path / "seeds" / "reference").mkdir(parents=True)
    (tmp_path / "seeds" / "demo" / "orders.csv").write_text("id,amount\n007,1.50\n")
    (tmp_path / "seeds" / "reference" / "rules.csv").write_text("id,rate\n1,0.5\n")
    con = connect_emulation("c")
    emulator = Emulator(con, tmp_path, lambda node: "unused")
    raw = emulator.load_seed(_seed("orders", "seeds/demo/orders.csv", {}))
    typed = emulator.load_seed(
        _seed("rules", "seeds/reference/rules.csv", {"id": "int", "rate": "double"})
    )
    assert raw.error is None and typed.error is None
    assert con.execute("select * from c.s.orders").fetchall() == [("007", "1.50")]
    assert con.execute("select * from c.s.rules").fetchall() == [(1, 0.5)]
    undeclared = emulator.load_seed(_seed("rules2", "seeds/reference/rules.csv", {"id": "int"}))
    assert undeclared.error and "rate" in undeclared.error


@pytest.mark.slow
def test_manifest_nodes_come_in_dependency_order(athena_compile: tuple[Path, str, int]) -> None:
    nodes = read_manifest_nodes(athena_compile[0])
    position = {node.unique_id: index for index, node in enumerate(nodes)}
    for node in nodes:
        for parent in node.depends_on:
            if parent in position:
                assert position[parent] < position[node.unique_id], (parent, node.unique_id)
