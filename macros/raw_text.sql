{#- A raw column as trimmed text, with empty strings as null. Raw data may
    arrive typed (Parquet, Glue) or as text (CSV); staging types everything
    from this one normalised form. -#}
{% macro raw_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{#- The raw values of a row joined with ' | ', so a quarantined row can be
    read as it arrived. Nulls show as empty. Columns in `redacted_columns`
    (personal data) show only whether they had a value: '<redacted>' or empty.
    Rows differing only in a redacted value are equal here, so order
    duplicates by the unredacted record. -#}
{% macro raw_record(columns, redacted_columns=[]) -%}
    {%- for column in columns -%}
        {%- if column in redacted_columns -%}
            case when {{ raw_text(adapter.quote(column)) }} is null then '' else '<redacted>' end
        {%- else -%}
            coalesce(cast({{ adapter.quote(column) }} as {{ dbt.type_string() }}), '')
        {%- endif -%}
        {%- if not loop.last %} || ' | ' || {% endif -%}
    {%- endfor -%}
{%- endmacro %}


{#- Parses the usual spellings of a yes/no flag. Anything else is null. -#}
{% macro parse_boolean(column) -%}
    case
        when lower({{ column }}) in ('true', 't', 'yes', 'y', '1') then true
        when lower({{ column }}) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}

