{#- Money is exact decimal everywhere: sums of doubles depend on the order the
    engine adds them in, and our marts must be identical run after run. -#}
{% macro type_money() -%}
    decimal(18, 2)
{%- endmacro %}
