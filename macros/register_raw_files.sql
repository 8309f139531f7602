{#- Bring your own data on DuckDB (on-run-start hook).

    With var('raw_files') = {table: path, ...} every raw table of the `shop`
    source becomes a view over the user's CSV or Parquet file(s) in schema
    <schema>_raw_files (the demo seeds in <schema>_raw stay intact), so
    staging reads them through source() exactly as it reads the demo seeds or
    Glue tables. CSV is read as text (all_varchar) so no value is lost to type
    guessing: staging types and quarantines. A table's entry is a path (glob)
    or {path: ..., encoding: utf-8 | utf-16 | latin-1}.

    Before any view is made, each file is checked (raw_file_check) so a
    mistake stops the run with one message naming the table, the file and
    what to do: no file matches, a zero-byte file, a line DuckDB cannot read
    (wrong encoding, wrong column count), or a header with no rows in a table
    that needs rows (raw_tables_needing_rows).

    Tables the user does not provide become empty views with the contract's
    columns, so the project builds from orders alone. Without order_items,
    each order becomes one line worth its `order_amount` (checked in
    stg_shop__orders, made in int_order_items_checked). -#}
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

    {#- Every entry is validated before any file is opened. -#}
    {%- set files = {} -%}
    {%- for table_name, entry in raw_files.items() -%}
        {%- do files.update({table_name: raw_file_spec(table_name, entry)}) -%}
    {%- endfor -%}

    {%- set schema = var('raw_schema', target.schema ~ '_raw_files') -%}
    {%- set statements = ['create schema if not exists ' ~ adapter.quote(schema)] -%}
    {%- for table_name, columns in contract.items() -%}
        {%- set relation = api.Relation.create(database=target.database, schema=schema, identifier=table_name) -%}
        {%- if table_name in files -%}
            {%- set file = files[table_name] -%}
            {%- set row_count = raw_file_check(table_name, file) -%}
            {%- set body = raw_file_select(raw_file_reader(file), table_name, columns) -%}
            {%- set origin = file['path'] ~ (' (' ~ file['encoding'] ~ ')' if file['encoding'] != 'utf-8' else '')
                ~ ', ' ~ row_count ~ ' rows' -%}
        {%- elif table_name == 'order_items' -%}
            {#- Orders-only data: stg_shop__orders checks each order_amount and
                int_order_items_checked makes one line per clean order. -#}
            {%- do assert_orders_have_amounts(raw_file_reader(files['orders'])) -%}
            {%- set body = empty_raw_table(columns) -%}
            {%- set origin = 'not provided: one line per order, from orders.order_amount' -%}
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


{#- One raw_files entry, validated, as {path, encoding, format}. The entry
    is a path (glob) or {path: ..., encoding: ...}; the format comes from the
    extension; the encoding is one DuckDB's CSV reader knows. -#}
{% macro raw_file_spec(table_name, entry) %}
    {%- set encodings = ['utf-8', 'utf-16', 'latin-1'] -%}
    {%- set entry = {'path': entry} if entry is string else entry -%}
    {%- set unknown_keys = entry.keys() | reject('in', ['path', 'encoding']) | list if entry is mapping else [] -%}
    {%- if entry is not mapping or entry.get('path') is not string or unknown_keys -%}
        {{ exceptions.raise_compiler_error(
            "raw_files: " ~ table_name ~ " must be a path, or {path: ..., encoding: ...}"
            ~ (" (unknown key: " ~ unknown_keys | join(', ') ~ ")" if unknown_keys else " (got " ~ entry ~ ")") ~ ".") }}
    {%- endif -%}
    {%- set path = entry['path'] -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {%- set format = 'parquet' -%}
    {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') or lowered.endswith('.tsv') -%}
        {%- set format = 'csv' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "raw_files: cannot tell the format of " ~ raw_file_quoted(path)
            ~ ". Use a .csv, .csv.gz, .tsv or .parquet path (globs allowed).") }}
    {%- endif -%}
    {%- set encoding = (entry.get('encoding') or 'utf-8') | string | lower -%}
    {%- if encoding not in encodings -%}
        {{ exceptions.raise_compiler_error(
            "raw_files: " ~ table_name ~ " has encoding '" ~ entry['encoding'] ~ "', which DuckDB cannot read. "
            ~ "Use one of: " ~ encodings | join(', ') ~ "; convert any other file to UTF-8 first, e.g. "
            ~ "iconv -f windows-1252 -t utf-8 in.csv > out.csv (README, Bring your own data).") }}
    {%- endif -%}
    {%- if format == 'parquet' and encoding != 'utf-8' -%}
        {{ exceptions.raise_compiler_error(
            "raw_files: " ~ table_name ~ " is Parquet, whose text is always UTF-8: remove its encoding.") }}
    {%- endif -%}
    {{ return({'path': path, 'encoding': encoding, 'format': format}) }}
{% endmacro %}


{#- The DuckDB table function that reads a file spec from raw_file_spec. Each
    row carries the path of its file (raw_file_name_column), the load order
    of a table whose export has no loaded_at column. -#}
{% macro raw_file_reader(file) %}
    {%- set path = raw_file_sql_string(file['path']) -%}
    {%- set file_name = ", filename = '" ~ raw_file_name_column() ~ "'" -%}
    {%- if file['format'] == 'parquet' -%}
        {{ return("read_parquet(" ~ path ~ file_name ~ ")") }}
    {%- endif -%}
    {{ return("read_csv(" ~ path ~ ", header = true, all_varchar = true" ~ file_name
        ~ (", encoding = '" ~ file['encoding'] ~ "'" if file['encoding'] != 'utf-8' else "") ~ ")") }}
{% endmacro %}


{#- The column raw_file_reader adds with each row's file path: named so it
    cannot meet a column of the user's file. -#}
{% macro raw_file_name_column() %}
    {{ return('rfm_source_file') }}
{% endmacro %}


{#- Raw tables that must have at least one row when given, and why: an
    empty one would quarantine everything that refers to it. The event and
    campaign tables may be a header alone (no campaigns yet). -#}
{% macro raw_tables_needing_rows() %}
    {{ return({
        'orders': "RFM needs at least one order",
        'order_items': "every order would have no lines; leave order_items out of raw_files to use orders.order_amount",
        'customers': "every order would be quarantined as unknown_customer; leave customers out of raw_files to skip that check",
        'products': "every line would be quarantined as unknown_product; leave products out of raw_files to skip that check",
    }) }}
{% endmacro %}


{#- Opens the file(s) of one table before any view is made, and stops with
    one message naming the table, the file and what to do when: no file
    matches the path; a file has 0 bytes; a CSV line cannot be read (DuckDB's
    rejects, e.g. bytes that are not the declared encoding, or a wrong number
    of columns); a table of raw_tables_needing_rows has no rows. Returns the
    number of data rows. CSV lines are read once in full (about 1 s per
    300 MB), header included so its encoding is checked too. -#}
{% macro raw_file_check(table_name, file) %}
    {%- set path = raw_file_sql_string(file['path']) -%}
    {%- set where = "raw_files: " ~ table_name ~ " (" ~ raw_file_quoted(file['path']) ~ ")" -%}
    {%- set found = run_query("select filename, size from read_blob(" ~ path ~ ") order by filename").rows -%}
    {%- if found | length == 0 -%}
        {{ exceptions.raise_compiler_error(where ~ ": no file matches this path. Check it; a relative path "
            ~ "is read from the directory dbt runs in.") }}
    {%- endif -%}
    {%- for found_file in found if found_file['size'] == 0 -%}
        {{ exceptions.raise_compiler_error(raw_file_where(where, file, found_file['filename'])
            ~ " is empty (0 bytes). Export it again with its header line"
            ~ (" and rows" if table_name in raw_tables_needing_rows() else "")
            ~ ("" if table_name == 'orders' else ", or leave " ~ table_name ~ " out of raw_files") ~ ".") }}
    {%- endfor -%}

    {%- if file['format'] == 'parquet' -%}
        {%- set row_count = run_query("select count(*) from read_parquet(" ~ path ~ ")").rows[0][0] -%}
    {%- else -%}
        {#- store_rejects keeps the lines DuckDB cannot read instead of failing;
            count(columns(*)) makes it read every column of every line. -#}
        {%- do run_query("drop table if exists rfm_raw_file_rejects") -%}
        {%- do run_query("drop table if exists rfm_raw_file_scans") -%}
        {%- set line_count = run_query(
            "select count(*), count(columns(*)) from read_csv(" ~ path ~ ", header = false, all_varchar = true"
            ~ ", encoding = '" ~ file['encoding'] ~ "', store_rejects = true, rejects_limit = 5"
            ~ ", rejects_table = 'rfm_raw_file_rejects', rejects_scan = 'rfm_raw_file_scans')").rows[0][0] -%}
        {%- set rejects = run_query(
            "select scans.file_path, rejects.line, rejects.error_type, rejects.error_message"
            ~ " from rfm_raw_file_rejects as rejects inner join rfm_raw_file_scans as scans"
            ~ " using (scan_id, file_id) order by scans.file_path, rejects.line limit 1").rows -%}
        {%- if rejects -%}
            {%- set reject = rejects[0] -%}
            {%- set at = raw_file_where(where, file, reject['file_path']) ~ ", line " ~ reject['line'] ~ "," -%}
            {%- if reject['error_type'] == 'INVALID ENCODING' -%}
                {#- UTF-16 text of Latin letters is half zero bytes. -#}
                {%- set looks_utf16 = run_query(
                    "select count(*) > 0 from read_csv(" ~ raw_file_sql_string(reject['file_path'])
                    ~ ", encoding = 'latin-1', header = false, auto_detect = false, columns = {'line': 'varchar'}"
                    ~ ", delim = chr(1), quote = '', escape = '', ignore_errors = true)"
                    ~ " where contains(line, chr(0))").rows[0][0] -%}
                {{ exceptions.raise_compiler_error(at ~ " is not valid " ~ file['encoding'] | upper
                    ~ ". Give the file's encoding in raw_files, e.g. {" ~ table_name ~ ": {path: ..., encoding: "
                    ~ ('utf-16' if looks_utf16 and file['encoding'] != 'utf-16' else 'latin-1') ~ "}}"
                    ~ " (DuckDB reads utf-8, utf-16 and latin-1), or convert the file to UTF-8 first, e.g. "
                    ~ "iconv -f windows-1252 -t utf-8 in.csv > out.csv (README, Bring your own data).") }}
            {%- endif -%}
            {{ exceptions.raise_compiler_error(at ~ " cannot be read: " ~ reject['error_message']
                ~ ". Every line needs the header's columns, comma-separated, quoted where a value holds a comma.") }}
        {%- endif -%}
        {#- Each file has one header line. -#}
        {%- set row_count = line_count - found | length -%}
    {%- endif -%}

    {%- set needs_rows = raw_tables_needing_rows() -%}
    {%- if row_count == 0 and table_name in needs_rows -%}
        {{ exceptions.raise_compiler_error(where ~ " has a header but no rows: "
            ~ needs_rows[table_name] ~ ".") }}
    {%- endif -%}
    {{ return(row_count) }}
{% endmacro %}


{#- The start of a message about one file of a table: "raw_files: orders
    ("data/*.csv"): "data/b.csv"", or without the file when it is the path. -#}
{% macro raw_file_where(where, file, filename) %}
    {{ return(where if filename == file['path'] else where ~ ": " ~ raw_file_quoted(filename)) }}
{% endmacro %}


{#- A path as a SQL string literal: quoted, with its quotes doubled. -#}
{% macro raw_file_sql_string(path) %}
    {{ return("'" ~ path | replace("'", "''") ~ "'") }}
{% endmacro %}


{#- A path in a message: in double quotes, so an apostrophe in it reads as
    part of the path. -#}
{% macro raw_file_quoted(path) %}
    {{ return('"' ~ path | replace('"', '\\"') ~ '"') }}
{% endmacro %}


{#- Selects the contract's columns from a file. Optional columns the file
    lacks become nulls, except loaded_at, which becomes the path of the row's
    file: files named in load order (orders_2026-12-05.csv) give the load
    order incremental builds need (README, "Incremental builds"). Required
    columns are left out so staging names them in its error; extra columns
    are ignored. -#}
{% macro raw_file_select(reader, table_name, columns) %}
    {%- set found = run_query('describe select * from ' ~ reader).columns['column_name'].values() | map('lower') | list -%}
    {%- set required = shop_required_columns('shop', table_name) -%}
    {%- set selected = [] -%}
    {%- for column in columns -%}
        {%- if column | lower in found -%}
            {%- do selected.append(adapter.quote(column)) -%}
        {%- elif column == 'loaded_at' -%}
            {%- do selected.append(raw_file_name_column() ~ ' as ' ~ adapter.quote(column)) -%}
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


{#- Data with no line detail (orders and amounts only) needs the order total. -#}
{% macro assert_orders_have_amounts(orders_reader) %}
    {%- set found = run_query('describe select * from ' ~ orders_reader).columns['column_name'].values() | map('lower') | list -%}
    {%- if 'order_amount' not in found -%}
        {{ exceptions.raise_compiler_error(
            "raw_files has no 'order_items', so the orders file must have an order_amount column "
            ~ "(the order total). Found: " ~ found | join(', ')) }}
    {%- endif -%}
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
