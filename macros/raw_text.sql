{#- A raw column as trimmed text, with empty strings as null. Raw data may
    arrive typed (Parquet, Glue) or as text (CSV); staging types everything
    from this one normalised form. -#}
{% macro raw_text(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{#- The raw values of a row joined with ' | ', so a quarantined row can be
    read as it arrived. Nulls show as empty. -#}
{% macro raw_record(columns) -%}
    {%- for column in columns -%}
        coalesce(cast({{ adapter.quote(column) }} as {{ dbt.type_string() }}), '')
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
