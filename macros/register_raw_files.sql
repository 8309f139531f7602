{#- Bring your own data on DuckDB (on-run-start hook).

    With var('raw_files') = {table: path, ...} every raw table of the `shop`
    source becomes a view over the user's CSV or Parquet file(s) in schema
    <schema>_raw_files (the demo seeds in <schema>_raw stay intact), so staging reads them through source() exactly as it reads the
    demo seeds or Glue tables. CSV is read as text (all_varchar) so no value
    is lost to type guessing: staging types and quarantines.

    Tables the user does not provide become empty views with the contract's
    columns, so the project builds from orders alone. Without order_items,
    each order becomes one line worth its `order_amount`. -#}
{% macro register_raw_files() %}
    {%- set raw_files = var('raw_files', none) -%}
    {%- if raw_files is none or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- if target.type != 'duckdb' -%}
        {{ exceptions.raise_compiler_error(
            "var('raw_files') works on the DuckDB target only. On " ~ target.type
            ~ ", set var('raw_schema') to the database that holds your raw tables.") }}
    {%- endif -%}

    {%- set contract = shop_source_columns() -%}
    {%- for table_name in raw_files if table_name not in contract -%}
        {{ exceptions.raise_compiler_error(
            "var('raw_files') names an unknown table '" ~ table_name ~ "'. Known tables: "
            ~ contract.keys() | list | join(', ')) }}
    {%- endfor -%}
    {%- if 'orders' not in raw_files -%}
        {{ exceptions.raise_compiler_error(
            "var('raw_files') must include 'orders' (the only table RFM cannot do without).") }}
    {%- endif -%}

    {%- set schema = var('raw_schema', target.schema ~ '_raw_files') -%}
    {%- set statements = ['create schema if not exists ' ~ adapter.quote(schema)] -%}
    {%- for table_name, columns in contract.items() -%}
        {%- set relation = api.Relation.create(database=target.database, schema=schema, identifier=table_name) -%}
        {%- if table_name in raw_files -%}
            {%- set body = raw_file_select(raw_file_reader(raw_files[table_name]), table_name, columns) -%}
            {%- set origin = raw_files[table_name] -%}
        {%- elif table_name == 'order_items' -%}
            {%- set body = order_items_from_order_amounts(raw_file_reader(raw_files['orders'])) -%}
            {%- set origin = 'one line per order, from orders.order_amount' -%}
        {%- else -%}
            {%- set body = empty_raw_table(columns) -%}
            {%- set origin = 'not provided: empty' -%}
        {%- endif -%}
        {%- do statements.append('create or replace view ' ~ relation ~ ' as ' ~ body) -%}
        {{ log("raw_files: " ~ relation ~ " <- " ~ origin, info=true) }}
    {%- endfor -%}
    {#- Returned, not run here: the hook executes them, outside a transaction. -#}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{#- The DuckDB table function that reads a file or glob, by extension. -#}
{% macro raw_file_reader(path) %}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {{ return("read_parquet('" ~ path ~ "')") }}
    {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
        {{ return("read_csv('" ~ path ~ "', header = true, all_varchar = true)") }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "raw_files: cannot tell the format of '" ~ path ~ "'. Use a .csv, .csv.gz, .tsv or .parquet path (globs allowed).") }}
    {%- endif -%}
{% endmacro %}


{#- Selects the contract's columns from a file. Optional columns the file
    lacks become nulls; required ones are left out so staging names them in
    its error; extra columns are ignored. -#}
{% macro raw_file_select(reader, table_name, columns) %}
    {%- set found = run_query('describe select * from ' ~ reader).columns['column_name'].values() | map('lower') | list -%}
    {%- set required = shop_required_columns('shop', table_name) -%}
    {%- set selected = [] -%}
    {%- for column in columns -%}
        {%- if column | lower in found -%}
            {%- do selected.append(adapter.quote(column)) -%}
        {%- elif column not in required -%}
            {%- do selected.append('cast(null as varchar) as ' ~ adapter.quote(column)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if selected | length == 0 -%}
        {{ exceptions.raise_compiler_error("raw_files: " ~ reader ~ " has none of the columns of " ~ table_name
            ~ " (" ~ columns | join(', ') ~ "). Found: " ~ found | join(', ')) }}
    {%- endif -%}
    {{ return('select ' ~ selected | join(', ') ~ ' from ' ~ reader) }}
{% endmacro %}


{#- One line per order, worth its order_amount, for data with no line
    detail (orders and amounts only). -#}
{% macro order_items_from_order_amounts(orders_reader) %}
    {%- set found = run_query('describe select * from ' ~ orders_reader).columns['column_name'].values() | map('lower') | list -%}
    {%- if 'order_amount' not in found -%}
        {{ exceptions.raise_compiler_error(
            "raw_files has no 'order_items', so the orders file must have an order_amount column "
            ~ "(the order total). Found: " ~ found | join(', ')) }}
    {%- endif -%}
    {{ return(
        "select order_id, '1' as line_number, cast(null as varchar) as product_id, '1' as quantity, "
        ~ "order_amount as unit_price, '0' as discount_amount from " ~ orders_reader) }}
{% endmacro %}


{#- A zero-row relation with the contract's columns, all text. -#}
{% macro empty_raw_table(columns) %}
    {%- set casts = [] -%}
    {%- for column in columns -%}
        {%- do casts.append('cast(null as varchar) as ' ~ adapter.quote(column)) -%}
    {%- endfor -%}
    {{ return('select ' ~ casts | join(', ') ~ ' where false') }}
{% endmacro %}


{#- {table: [column, ...]} for every table of the `shop` source. -#}
{% macro shop_source_columns() %}
    {%- set contract = {} -%}
    {%- for node in graph.sources.values() if node.source_name == 'shop' -%}
        {%- do contract.update({node.name: node.columns.keys() | list}) -%}
    {%- endfor -%}
    {{ return(contract) }}
{% endmacro %}
