{#- dbt's default safe_cast is a plain cast, which raises on DuckDB when a raw
    value cannot be typed. We want null instead, so staging can quarantine the
    row with a reason. (dbt-athena already ships try_cast.) -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
