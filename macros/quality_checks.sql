{#- The newest timestamp a raw row may carry; later ones are quarantined as
    future_<column>. var('max_valid_at') pins it for reproducible runs. -#}
{% macro max_valid_at() -%}
    {%- if var('max_valid_at', none) is not none -%}
        cast('{{ var("max_valid_at") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}


{#- First reason that applies, as a `case` expression. `checks` is a list of
    (condition, reason) pairs, in precedence order (docs/data_quality.md). -#}
{% macro first_failed_check(checks) -%}
    case
    {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- `duplicate_key` for every row after the first with the same key, counting
    only rows that passed the other checks (a defective row must not push a
    good one with the same key into quarantine). Ties are broken by every
    column so the kept row is the same on every run. -#}
{% macro duplicate_key_check(row_reason, key_columns, order_columns) -%}
    case
        when {{ row_reason }} is null
            and row_number() over (
                partition by {{ key_columns | join(', ') }}, {{ row_reason }}
                order by {{ order_columns | join(', ') }}
            ) > 1
            then 'duplicate_key'
    end
{%- endmacro %}
