{#- The newest timestamp a raw row may carry; later ones are quarantined as
    future_<column>. var('max_valid_at') pins it for reproducible runs (read
    like any raw timestamp: an offset is applied, none means UTC). Both sides
    of the comparison are UTC, never the session's time zone. -#}
{% macro max_valid_at() -%}
    {%- if var('max_valid_at', none) is not none -%}
        {{ parse_timestamp_utc("'" ~ var('max_valid_at') | string | replace("'", "''") ~ "'") }}
    {%- else -%}
        {{ adapter.dispatch('utc_now')() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__utc_now() -%}
    timezone('UTC', now())
{%- endmacro %}

{% macro athena__utc_now() -%}
    cast(at_timezone(current_timestamp, 'UTC') as {{ dbt.type_timestamp() }})
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
    column so the kept row is the same on every run.

    Order options: `load_column` keeps the row of the latest load first
    (README, "Incremental builds"): a clean row that a later load repeats is
    `superseded` rather than `duplicate_key`; `latest_column` keeps the row
    with the latest value of that column first (nulls last), order_columns
    breaking its ties; `hash_order_columns` compares order_columns by their
    hash (row_hash) instead of their text, so no value is favoured by how it
    sorts. -#}
{% macro duplicate_key_check(row_reason, key_columns, order_columns, latest_column=none, hash_order_columns=false, load_column=none) -%}
    {%- set order_items = [] -%}
    {%- set partition -%}
        partition by {{ key_columns | join(', ') }}, {{ row_reason }}
    {%- endset -%}
    {%- if load_column is not none -%}
        {%- do order_items.append(load_column ~ ' desc') -%}
    {%- endif -%}
    {%- if latest_column is not none -%}
        {%- do order_items.append(latest_column ~ ' desc nulls last') -%}
    {%- endif -%}
    {%- for column in order_columns -%}
        {%- do order_items.append(row_hash(column) if hash_order_columns else column) -%}
    {%- endfor -%}
    case
        when {{ row_reason }} is null
            and row_number() over ({{ partition }} order by {{ order_items | join(', ') }}) > 1
            then
            {%- if load_column is not none %}
                case
                    when {{ load_column }} < max({{ load_column }}) over ({{ partition }})
                        then 'superseded'
                    else 'duplicate_key'
                end
            {%- else %}
                'duplicate_key'
            {%- endif %}
    end
{%- endmacro %}


{#- Every row of `relation` with its final dq_reason: its row_reason, else
    duplicate_key_check's verdict. The select a staging model's
    duplicates_checked step is. -#}
{% macro duplicates_flagged(relation, key_columns, order_columns, latest_column=none, hash_order_columns=false, row_reason='row_dq_reason', load_column=none) -%}
    {{ return(adapter.dispatch('duplicates_flagged')(
        relation, key_columns, order_columns, latest_column, hash_order_columns, row_reason,
        load_column)) }}
{%- endmacro %}

{#- DuckDB numbers only the rows whose key more than one clean row shares.
    Its window operator materialises every row it is given with its raw
    text, and sorting the whole of a large table that way was the one cost
    that grew faster than the data (at 10M customers it spilled). Finding
    the shared keys is a hash aggregate over the key columns alone; the
    relation is materialised once so its parsing is not repeated per branch.
    The verdicts are those of the window over every row: a key's rows all
    go to the same branch. -#}
{% macro default__duplicates_flagged(relation, key_columns, order_columns, latest_column, hash_order_columns, row_reason, load_column) -%}
    {%- set key_match -%}
        {%- for column in key_columns -%}
            checked_rows.{{ column }} = shared_keys.{{ column }}
            {%- if not loop.last %} and {% endif -%}
        {%- endfor -%}
    {%- endset -%}
    with

    checked_rows as materialized (
        select * from {{ relation }}
    ),

    shared_keys as (
        select {{ key_columns | join(', ') }}
        from checked_rows
        where {{ row_reason }} is null
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    )

    select
        checked_rows.*,
        checked_rows.{{ row_reason }} as dq_reason
    from checked_rows
    left join shared_keys
        on {{ key_match }}
    where shared_keys.{{ key_columns[0] }} is null

    union all

    {%- set rows_sharing_a_key -%}
        (
            select checked_rows.*
            from checked_rows
            inner join shared_keys
                on {{ key_match }}
        ) as rows_sharing_a_key
    {%- endset %}
    {{ window_flagged_rows(
        rows_sharing_a_key, key_columns, order_columns, latest_column, hash_order_columns,
        row_reason, load_column,
    ) }}
{%- endmacro %}

{#- Athena (Trino) inlines a common table expression at every use, and each
    use would scan the raw table again: one window over every row. -#}
{% macro athena__duplicates_flagged(relation, key_columns, order_columns, latest_column, hash_order_columns, row_reason, load_column) -%}
    {{ window_flagged_rows(
        relation, key_columns, order_columns, latest_column, hash_order_columns, row_reason,
        load_column,
    ) }}
{%- endmacro %}

{#- Every row of `relation` with dq_reason from the duplicate_key_check
    window over those rows: both engines' last step. -#}
{% macro window_flagged_rows(relation, key_columns, order_columns, latest_column, hash_order_columns, row_reason, load_column) -%}
    select
        *,
        coalesce(
            {{ row_reason }},
            {{ duplicate_key_check(
                row_reason, key_columns, order_columns, latest_column, hash_order_columns,
                load_column,
            ) }}
        ) as dq_reason
    from {{ relation }}
{%- endmacro %}


{#- Hex SHA-256 of a text expression, lower case, the same on every engine:
    a tie-breaker that depends on the value, never on row order or on how
    the engine sorts text. -#}
{% macro row_hash(expression) -%}
    {{ return(adapter.dispatch('row_hash')(expression)) }}
{%- endmacro %}

{% macro default__row_hash(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro athena__row_hash(expression) -%}
    lower(to_hex(sha256(to_utf8({{ expression }}))))
{%- endmacro %}
