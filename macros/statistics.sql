{#- Standard normal CDF, for p-values. Trino (Athena) has normal_cdf; DuckDB
    has no such function, so the default is the Abramowitz & Stegun 7.1.26
    approximation of erf (absolute error below 1.5e-7, far below anything a
    p-value is read to).
    pytests/dbt_project/test_demo_segments_and_campaigns.py
    (test_uplift_statistics_match_scipy) checks the p-values built on it
    against scipy; pytests/portability/test_transpile_equality.py
    (test_athena_sql_on_duckdb_equals_the_duckdb_target) holds them within
    1e-6 of Athena's exact normal_cdf. -#}
{% macro standard_normal_cdf(z) -%}
    {{ return(adapter.dispatch('standard_normal_cdf')(z)) }}
{%- endmacro %}

{% macro default__standard_normal_cdf(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.3275911 * ' ~ x ~ '))' -%}
    (0.5 * (1.0 + sign({{ z }}) * (1.0 - (
        0.254829592 * {{ t }}
        - 0.284496736 * power({{ t }}, 2)
        + 1.421413741 * power({{ t }}, 3)
        - 1.453152027 * power({{ t }}, 4)
        + 1.061405429 * power({{ t }}, 5)
    ) * exp(-1.0 * {{ x }} * {{ x }}))))
{%- endmacro %}

{% macro athena__standard_normal_cdf(z) -%}
    normal_cdf(0, 1, {{ z }})
{%- endmacro %}


{#- Two-sided p-value of a z statistic; null when z is null. -#}
{% macro two_sided_p_value(z) -%}
    2.0 * (1.0 - {{ standard_normal_cdf('abs(' ~ z ~ ')') }})
{%- endmacro %}


{#- a / b as a double, null when b is 0 or null (never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}
