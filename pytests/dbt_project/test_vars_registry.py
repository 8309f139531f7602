"""The var registry (macros/var_registry.sql): dbt_project.yml and the README
agree with it, and every run checks its vars against it before anything runs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from dbt_runner import PROJECT_DIR, DbtProject, DbtRun

ORDERS_ONLY = PROJECT_DIR / "examples" / "orders_only" / "orders.csv"
# A run that builds one view from the orders-only example: cheap, and it
# needs no seeds in the fresh warehouse.
CHEAP_RUN = ("run", "--select", "stg_shop__orders")


def registry() -> dict[str, Any]:
    """The registry as the macro parses it: the YAML block of var_registry()."""
    text = (PROJECT_DIR / "macros" / "var_registry.sql").read_text()
    block = re.search(r"{%- set registry_yaml -%}\n(.*?){%- endset -%}", text, re.DOTALL)
    assert block, "macros/var_registry.sql has no registry_yaml block"
    return yaml.safe_load(block.group(1))


def run_with_vars(dbt_project: DbtProject, **variables: Any) -> DbtRun:
    """The cheap run, with the orders-only example as raw data plus `variables`."""
    variables = {"raw_files": {"orders": str(ORDERS_ONLY)}, **variables}
    return dbt_project.run(*CHEAP_RUN, "--vars", json.dumps(variables))


def assert_stopped_before_any_model(run: DbtRun) -> None:
    assert run.returncode != 0
    assert "Traceback" not in run.output
    # Neither a model nor the register_raw_files hook ran.
    assert "START" not in run.output, run.output
    assert "raw_files:" not in run.output, run.output


# -- The registry and the files that must agree with it ----------------------


def test_registry_entries_are_well_formed() -> None:
    types = {"integer", "number", "string", "date", "timestamp", "timezone", "list", "mapping"}
    fields = {"type", "default", "description", "values", "min", "max", "in_dbt_project"}
    entries = registry()["vars"]
    for name, spec in entries.items():
        assert spec["type"] in types, name
        assert set(spec) <= fields, name
        assert spec["description"].strip(), name
        if "values" in spec:
            assert spec["default"] in spec["values"], name
    for old, new in registry()["renamed"].items():
        assert old not in entries and new in entries, old


def test_dbt_project_vars_are_the_registry_with_the_same_defaults() -> None:
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    registered = {
        name: spec["default"]
        for name, spec in registry()["vars"].items()
        if spec.get("in_dbt_project", True)
    }
    assert project_vars == registered


def readme_configuration_rows() -> list[tuple[list[str], str]]:
    """(var names, default cell) of each row of the README's Configuration table."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`([a-z0-9_]+)`", cells[0]) if line.startswith("| `") else []
        if names:
            rows.append((names, cells[1]))
    return rows


def stated_defaults(cell: str, count: int) -> list[str]:
    """The default cell split per var: 'a, b' for two vars, or one for all.
    Parenthesised explanations and backquotes are dropped."""
    cell = re.sub(r"\s*\([^)]*\)", "", cell).replace("`", "").strip()
    parts = [part.strip() for part in cell.split(", ")]
    return parts if len(parts) == count else [cell] * count


def test_readme_configuration_table_lists_exactly_the_registry() -> None:
    listed = [name for names, _ in readme_configuration_rows() for name in names]
    assert len(listed) == len(set(listed)), "a var is listed twice"
    assert sorted(listed) == sorted(registry()["vars"])


def test_readme_configuration_table_states_the_registry_defaults() -> None:
    entries = registry()["vars"]
    for names, cell in readme_configuration_rows():
        for name, stated in zip(names, stated_defaults(cell, len(names)), strict=True):
            default = entries[name]["default"]
            if default is None:
                # "null", or what null means ("AWS default", "<schema>_raw").
                assert stated == "null" or not isinstance(
                    yaml.safe_load(stated), int | float | bool
                ), name
            else:
                assert yaml.safe_load(stated) == default, (name, stated)


def test_readme_says_new_vars_are_registered() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    assert "macros/var_registry.sql" in readme.split("\n## Configuration\n", 1)[1]


# -- The check at the start of every run -------------------------------------


def test_valid_vars_pass(dbt_project: DbtProject) -> None:
    run = run_with_vars(
        dbt_project,
        rfm_lookback_days=365,
        as_of_date="2026-03-31",
        max_valid_at="2026-04-01T00:00:00+02:00",
        reporting_timezone="Europe/Paris",
        customer_ids_are_personal=True,
        offer_score_basis="revenue",
        kmeans_extra_features=["aov"],
    )
    assert run.returncode == 0, run.output[-3000:]


def test_mistyped_var_name_gets_did_you_mean(dbt_project: DbtProject) -> None:
    run = run_with_vars(dbt_project, rfm_lookback_dayz=365)

    assert "unknown var 'rfm_lookback_dayz': did you mean 'rfm_lookback_days'?" in run.output
    assert_stopped_before_any_model(run)


def test_mistyped_raw_files_does_not_build_the_demo_data(dbt_project: DbtProject) -> None:
    run = dbt_project.run(
        *CHEAP_RUN, "--vars", json.dumps({"raw_file": {"orders": str(ORDERS_ONLY)}})
    )

    assert "unknown var 'raw_file': did you mean 'raw_files'?" in run.output
    assert_stopped_before_any_model(run)


def test_value_outside_an_enumeration_lists_the_valid_values(dbt_project: DbtProject) -> None:
    run = run_with_vars(dbt_project, offer_score_basis="margn")

    assert "offer_score_basis must be one of: margin, revenue (got 'margn')" in run.output
    assert_stopped_before_any_model(run)


def test_wrong_type_is_named_even_where_dbt_parses_the_var(dbt_project: DbtProject) -> None:
    # The RFM scoring computes with rfm_score_buckets in Jinja while dbt
    # parses the project, before any hook: checked_var() reports it there.
    run = run_with_vars(dbt_project, rfm_score_buckets="five")

    assert "rfm_score_buckets must be an integer (got 'five')" in run.output
    assert_stopped_before_any_model(run)


def test_all_problems_come_in_one_message(dbt_project: DbtProject) -> None:
    run = run_with_vars(
        dbt_project,
        RFM_LOOKBACK_DAYS=30,
        offers_per_customer=2,
        rfm_lookback_days=0,
        as_of_date="2026-13-01",
        reporting_timezone="Europe/Pariss",
        customer_ids_are_personal="maybe",
        kmeans_k=2.5,
    )

    assert "vars: 7 problems:" in run.output
    for line in [
        "unknown var 'RFM_LOOKBACK_DAYS': did you mean 'rfm_lookback_days'?",
        "unknown var 'offers_per_customer'\n",
        "rfm_lookback_days must be at least 1 (got 0)",
        "as_of_date must be a date (YYYY-MM-DD) (got '2026-13-01')",
        "reporting_timezone must be an IANA time zone name such as UTC or Europe/Paris "
        "(got 'Europe/Pariss'); did you mean 'Europe/Paris'?",
        "customer_ids_are_personal must be one of: auto, true, false (got 'maybe')",
        "kmeans_k must be an integer (got 2.5)",
    ]:
        assert line in run.output
    # An unknown name with no near match is answered with the list of vars.
    assert "The vars of this project: affinity_half_life_days, " in run.output
    assert_stopped_before_any_model(run)


@pytest.mark.parametrize(
    ("passed", "expected"),
    [
        ("rfm_buckets", "var 'rfm_buckets' was renamed to 'rfm_score_buckets'"),
        ("score_buckets", "unknown var 'score_buckets': did you mean 'rfm_score_buckets'?"),
        ("rfm_score_bucket", "unknown var 'rfm_score_bucket': did you mean 'rfm_score_buckets'?"),
        (
            "lookback",
            "unknown var 'lookback' The vars of this project: rfm_lookback_days, rfm_score_buckets",
        ),
    ],
)
def test_renamed_and_similar_names(dbt_project: DbtProject, passed: str, expected: str) -> None:
    # check_vars against a small registry with a rename (the project's has
    # none yet), through run-operation: no hook, no model.
    test_registry = {
        "vars": {
            "rfm_score_buckets": {"type": "integer", "default": 5},
            "rfm_lookback_days": {"type": "integer", "default": 730},
        },
        "renamed": {"rfm_buckets": "rfm_score_buckets"},
    }
    run = dbt_project.run(
        "run-operation",
        "check_vars",
        "--args",
        json.dumps({"registry": test_registry}),
        "--vars",
        json.dumps({passed: 4}),
    )

    assert run.returncode != 0
    assert expected in " ".join(run.output.split())
    assert "Traceback" not in run.output


def test_commands_without_hooks_still_work(dbt_project: DbtProject) -> None:
    # The check is an on-run-start hook: compile and show run no hook, and
    # parsing (which every command does) renders it as nothing.
    compiled = dbt_project.run("compile", "--select", "int_rfm_as_of")
    assert compiled.returncode == 0, compiled.output[-3000:]
    shown = dbt_project.run("show", "--inline", "select 1 as x")
    assert shown.returncode == 0, shown.output[-3000:]
