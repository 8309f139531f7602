{#- Money is exact decimal everywhere: sums of doubles depend on the order the
    engine adds them in, and our marts must be identical run after run. Six
    decimals hold sub-cent unit prices (bundles, bulk items) exactly; a raw
    value with more is quarantined, never rounded (macros/parse_values.sql).
    38 digits leave 32 before the point: with the per-value bounds below, no
    sum of any realistic number of lines can overflow. -#}
{% macro type_money() -%}
    decimal(38, 6)
{%- endmacro %}


{#- Per-value bounds on the absolute value, inclusive. A raw value
    beyond its bound is quarantined as out_of_range_<column> before any
    arithmetic runs. A line is at most 1e6 x 1e9 = 1e15, so even 1e15 lines
    sum to 1e30, inside decimal(38, 6). docs/data_quality.md lists them. -#}
{% macro max_money_amount() -%}
    1000000000
{%- endmacro %}

{% macro max_quantity() -%}
    1000000
{%- endmacro %}

{% macro max_count() -%}
    1000000000
{%- endmacro %}
