{#- Incremental builds of the checked event tables (README, "Incremental
    builds"). A raw table arrives in loads; each row's load order is text
    that sorts later for a later load. An incremental build reads the raw
    rows of the newest load already checked and of every later one (a load
    is never split), and writes again every key those rows touch, so the
    verdicts are the ones a full build gives. -#}


{#- A raw table's load order: its loaded_at column when the export has one
    (under raw_files, the path of the row's file stands in), else '' (every
    row in one load). -#}
{% macro load_order(source_name, table_name) -%}
    coalesce({{ optional_raw_text(source_name, table_name, 'loaded_at') }}, '')
{%- endmacro %}


{#- The config of a checked event table: incremental, keyed by
    `key_column` (every row with that key is written again together; never
    null, so rows without a key form one group too). DuckDB deletes and
    inserts whole keys. Athena merges into an Iceberg table (MERGE needs
    Iceberg, and no Python model reads these tables, so none needs Hive),
    matching one row per target row: the key plus row_ordinal
    (merge_row_ordinal). A column change stops the build with dbt's message
    to run --full-refresh. -#}
{% macro checked_event_table_config(key_column) %}
    {%- set config = {
        'materialized': 'incremental',
        'on_schema_change': 'fail',
    } -%}
    {%- if target.type == 'athena' -%}
        {%- do config.update({
            'incremental_strategy': 'merge',
            'unique_key': [key_column, 'row_ordinal'],
            'table_type': 'iceberg',
        }) -%}
    {%- else -%}
        {%- do config.update({'incremental_strategy': 'delete+insert', 'unique_key': key_column}) -%}
    {%- endif -%}
    {{ return(config) }}
{% endmacro %}


{#- The settings a checked table's stored values depend on (vars, which
    tables the user gave, the customer key), as one SQL text literal the
    table keeps in column check_settings: rows checked under other settings
    are read again (incremental_loads). The salt shows as its MD5 only. -#}
{% macro check_settings(settings) -%}
    {%- set parts = [] -%}
    {%- for name in settings | sort -%}
        {%- do parts.append(name ~ '=' ~ settings[name]) -%}
    {%- endfor -%}
    '{{ parts | join(';') | replace("'", "''") }}'
{%- endmacro %}


{#- The customer key's part of check_settings: raw ids, or hashed with
    which salt. -#}
{% macro customer_key_setting() %}
    {{ return('hashed:' ~ local_md5(email_hash_salt()) if customer_ids_are_personal() else 'raw') }}
{% endmacro %}


{#- The loads an incremental build reads, or none on a full build (and
    when the table does not exist yet). Every load is read again, as a full
    build would, with a log line saying why, when rows were checked under
    other `settings` (check_settings), or when a query of `rechecks` (a
    description mapped to a query counting rows) counts rows whose stored
    verdict a full build could change in a way the stored columns cannot
    show (a clean row that would now be quarantined needs its raw text).

    Returns {'reread_from': SQL text literal}: the raw rows of loads at or
    after it are checked again. -#}
{% macro incremental_loads(settings, rechecks={}) %}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = first_value_of('select max(load_order) from ' ~ this, '') -%}
    {%- set all_rechecks = {
        'rows were checked under other settings (now ' ~ check_settings(settings) ~ ')':
            'select count(*) from ' ~ this ~ ' where check_settings <> ' ~ check_settings(settings),
    } -%}
    {%- do all_rechecks.update(rechecks) -%}
    {#- A dict, because a variable set inside a Jinja loop is gone after it. -#}
    {%- set loads = {'reread_from': newest} -%}
    {%- for description, count_query in all_rechecks.items() if loads['reread_from'] != '' -%}
        {%- set count = first_value_of(count_query, 0) -%}
        {%- if count > 0 -%}
            {{ log(this.identifier ~ ": " ~ count ~ " " ~ description
                ~ "; every load is read again, as a full build would.", info=true) }}
            {%- do loads.update({'reread_from': ''}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'reread_from': "'" ~ loads['reread_from'] | replace("'", "''") ~ "'"}) }}
{% endmacro %}


{#- The first value of a query's first row; `default` when it is null or
    there is no row (an offline Athena stand-in answers every query with
    none). -#}
{% macro first_value_of(query, default) %}
    {%- set rows = run_query(query).rows -%}
    {{ return(default if rows | length == 0 or rows[0][0] is none else rows[0][0]) }}
{% endmacro %}


{#- The verdict a stored row of an earlier load gets before the checks
    against other tables run again: 'superseded' when a newer load has a
    clean row with its key (`superseded`, a SQL condition) and the row was
    clean or a duplicate; null (checked again) when it was clean or failed a
    check against another table (`reference_reasons`); else its verdict,
    which no later load changes. -#}
{% macro earlier_load_verdict(superseded, reference_reasons, reason='previous.dq_reason') -%}
    {%- set references = "'" ~ reference_reasons | join("', '") ~ "'" -%}
    case
        when
            {{ superseded }}
            and ({{ reason }} is null or {{ reason }} in ({{ references }}, 'duplicate_key'))
            then 'superseded'
        when {{ reason }} not in ({{ references }}) then {{ reason }}
    end
{%- endmacro %}


{#- When this build checked a row, the same for every row it writes: a
    later model reads the rows written since its own last build by it. -#}
{% macro checked_at_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#- The row's place among the rows with its key, in load order: Athena's
    MERGE matches a target row to one source row by the key and this. DuckDB
    replaces whole keys and needs no number (null). -#}
{% macro merge_row_ordinal(key_column) -%}
    {{ return(adapter.dispatch('merge_row_ordinal')(key_column)) }}
{%- endmacro %}

{% macro default__merge_row_ordinal(key_column) -%}
    cast(null as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro athena__merge_row_ordinal(key_column) -%}
    row_number() over (partition by {{ key_column }} order by load_order)
{%- endmacro %}
