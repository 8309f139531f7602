{#- Fails the model with a message a user can act on when a raw table lacks a
    column the contract marks `meta.required` in _shop__sources.yml. Runs only
    at execution time and only when the relation exists (before the first
    seed there is nothing to inspect, and the query would fail anyway). -#}
{% macro assert_source_columns(source_name, table_name) %}
    {%- if execute -%}
        {%- set relation = source(source_name, table_name) -%}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if present | length > 0 -%}
            {%- set missing = [] -%}
            {%- for column in shop_required_columns(source_name, table_name) -%}
                {%- if column | lower not in present -%}
                    {%- do missing.append(column) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error(
                    "Source " ~ source_name ~ "." ~ table_name ~ " (" ~ relation ~ ") is missing required column(s): "
                    ~ missing | join(', ') ~ ". Found: " ~ present | join(', ')
                    ~ ". Rename the column in your file, or see README 'Bring your own data' for the expected columns."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{#- Whether a raw table has a column, for the contract's optional columns
    (not every export carries them). Asked at execution time, from the
    relation's own columns (DuckDB seeds or raw_files views, Glue tables on
    Athena); at parse time, and before the relation exists, the answer is
    false, so the model compiles with the column as null. -#}
{% macro source_has_column(source_name, table_name, column) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set present = adapter.get_columns_in_relation(source(source_name, table_name))
        | map(attribute='name') | map('lower') | list -%}
    {{ return(column | lower in present) }}
{% endmacro %}


{#- An optional raw column as raw_text() when the table has it, else a
    null of the same type: the model reads the column the same way whether
    or not the user's export carries it. -#}
{% macro optional_raw_text(source_name, table_name, column) -%}
    {%- if source_has_column(source_name, table_name, column) -%}
        {{ raw_text(column) }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#- Column names marked `meta.required: true` for one source table. -#}
{% macro shop_required_columns(source_name, table_name) %}
    {%- set required = [] -%}
    {%- for node in graph.sources.values()
        if node.source_name == source_name and node.name == table_name -%}
        {%- for column in node.columns.values() if column.meta.get('required') -%}
            {%- do required.append(column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(required) }}
{% endmacro %}


{#- Whether the user's data includes this optional raw table. Always true for
    the demo seeds and on Athena (sources are Glue tables there); false in
    bring-your-own-data mode when var('raw_files') has no entry for it. -#}
{% macro shop_table_provided(table_name) %}
    {%- set raw_files = var('raw_files', none) -%}
    {{ return(raw_files is none or table_name in raw_files) }}
{% endmacro %}
