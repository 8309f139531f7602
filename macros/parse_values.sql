{#- Typing raw text without changing a value.

    Every raw value is checked against one pattern per type BEFORE it is
    cast: the engines' own casts disagree at the edges (DuckDB's try_cast
    reads '0x10' as 16, '1e3' as 1000 and '1_000' as 1000, and rounds '1.5'
    to an integer; Trino returns null), so the pattern, not the cast, decides
    what is a number. A value the pattern accepts is then cast exactly, or
    quarantined with a reason that names the column (docs/data_quality.md):

    unparseable_<column>       not a plain decimal number / ISO 8601 timestamp
    too_many_decimals_<column> money with a nonzero digit past the 6th decimal
    non_integer_<column>       a count with a fraction ('1.5'; '2.0' is 2)
    out_of_range_<column>      beyond the column's documented bound
    negative_<column>          below zero where only zero or more makes sense

    The checks come as (condition, reason) pairs for first_failed_check(),
    in that order. -#}

{#- Money and counts: an optional minus, digits, an optional fraction. No
    plus sign, exponent, thousands separator, hex or other numeral. -#}
{% macro decimal_pattern() -%}
    -?[0-9]+([.][0-9]+)?
{%- endmacro %}

{% macro integer_pattern() -%}
    -?[0-9]+([.]0+)?
{%- endmacro %}

{#- Money keeps 6 decimals (type_money): a 7th nonzero digit would be
    rounded, so it is quarantined instead. Trailing zeros are harmless. -#}
{% macro too_many_decimals_pattern() -%}
    -?[0-9]+[.][0-9]{6}[0-9]*[1-9][0-9]*
{%- endmacro %}

{#- ISO 8601 date or date-time, 'T' or one space between them, optional
    seconds and fraction (up to 9 digits, stored to the microsecond), and an
    optional UTC offset: Z, ' UTC', +hh, +hhmm or +hh:mm. Without an offset a
    time is UTC (the contract). -#}
{% macro timestamp_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z| UTC|[+-][0-9]{2}(:?[0-9]{2})?)?)?
{%- endmacro %}


{#- True when the whole of `expression` matches the regular expression
    `pattern` (null for null). -#}
{% macro regex_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro athena__regex_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^({{ pattern }})$')
{%- endmacro %}


{#- A decimal text as type_money(), or null when the pattern rejects it or
    it has more integer digits than the type holds. -#}
{% macro parse_decimal(text_column) -%}
    case
        when {{ regex_full_match(text_column, decimal_pattern()) }}
            then {{ dbt.safe_cast(text_column, type_money()) }}
    end
{%- endmacro %}


{#- An integer text as integer, or null when the pattern rejects it or it is
    beyond +-max_abs (the cast then cannot overflow). -#}
{% macro parse_integer(text_column, max_abs) -%}
    case
        when
            {{ regex_full_match(text_column, integer_pattern()) }}
            and abs({{ dbt.safe_cast(text_column, type_money()) }}) <= {{ max_abs }}
            then cast({{ dbt.safe_cast(text_column, type_money()) }} as {{ dbt.type_int() }})
    end
{%- endmacro %}


{#- The checks below read the typed value first and run a regular
    expression only on the few rows it cannot settle (`case` evaluates a
    branch only for the rows that reach it): one pattern match per value,
    the one in the parse, on a clean row. -#}

{#- Checks for a money column typed by parse_decimal. `required`: an empty
    value is unparseable too. `max_abs`: the bound (inclusive) that keeps
    every later sum far from overflow. `allow_negative`: else negative_<name>.
    More than 6 decimals needs a point at least 7 characters from the end. -#}
{% macro decimal_checks(name, text_column, typed_column, max_abs, required=false, allow_negative=false) -%}
    {%- set decimals = 'length(' ~ text_column ~ ') - strpos(' ~ text_column ~ ", '.')" -%}
    {{ return(number_checks(
        name, text_column, typed_column,
        ('case when strpos(' ~ text_column ~ ", '.') > 0 and " ~ decimals ~ ' > 6 then '
            ~ regex_full_match(text_column, too_many_decimals_pattern()) ~ ' else false end',
            'too_many_decimals_' ~ name),
        '(' ~ typed_column ~ ' is null or abs(' ~ typed_column ~ ') > ' ~ max_abs ~ ')',
        required, allow_negative,
    )) }}
{%- endmacro %}


{#- Checks for a count column typed by parse_integer(text_column, max_abs),
    which is null for a fraction and beyond the bound. -#}
{% macro integer_checks(name, text_column, typed_column, max_abs, required=false, allow_negative=false) -%}
    {{ return(number_checks(
        name, text_column, typed_column,
        ('case when ' ~ typed_column ~ ' is null then not '
            ~ regex_full_match(text_column, integer_pattern()) ~ ' else false end',
            'non_integer_' ~ name),
        typed_column ~ ' is null',
        required, allow_negative,
    )) }}
{%- endmacro %}


{#- The checks both kinds of number share, in order: unparseable, the kind's
    precision check, out of range, negative. A value typed by the parse
    matched its pattern, so only an untyped one is matched again. -#}
{% macro number_checks(name, text_column, typed_column, precision_check, out_of_range, required, allow_negative) -%}
    {%- set unparseable = 'case when ' ~ typed_column ~ ' is null then not '
        ~ regex_full_match(text_column, decimal_pattern()) ~ ' else false end' -%}
    {%- set checks = [
        ((text_column ~ ' is null or ' if required else text_column ~ ' is not null and ')
            ~ unparseable, 'unparseable_' ~ name),
        precision_check,
        ((text_column ~ ' is not null and ' if not required else '') ~ out_of_range,
            'out_of_range_' ~ name),
    ] -%}
    {%- if not allow_negative -%}
        {%- do checks.append((typed_column ~ ' < 0', 'negative_' ~ name)) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}


{#- An ISO 8601 text as a UTC timestamp: an offset is applied explicitly,
    never through the session time zone; no offset means UTC. Null when the
    pattern rejects it or it names no real instant ('2026-02-30'). -#}
{% macro parse_timestamp_utc(text_column) -%}
    case
        when {{ regex_full_match(text_column, timestamp_pattern()) }}
            then {{ adapter.dispatch('timestamp_text_to_utc')(text_column) }}
    end
{%- endmacro %}

{#- DuckDB reads every accepted offset form; a text without one gets +00:00
    so the session time zone is never consulted. -#}
{% macro default__timestamp_text_to_utc(text_column) -%}
    timezone('UTC', try_cast(
        case
            when length({{ text_column }}) = 10 then {{ text_column }} || ' 00:00:00+00:00'
            when {{ regex_full_match(text_column, '.*(Z| UTC|[+-][0-9]{2}(:?[0-9]{2})?)') }}
                then {{ text_column }}
            else {{ text_column }} || '+00:00'
        end
        as timestamptz
    ))
{%- endmacro %}

{#- Trino's ISO 8601 reader wants 'T' and Z or +hh:mm: normalise to that,
    read to the nanosecond, move to UTC, drop the zone. -#}
{% macro athena__timestamp_text_to_utc(text_column) -%}
    try(cast(at_timezone(from_iso8601_timestamp_nanos(
        case
            when length({{ text_column }}) = 10 then {{ text_column }} || 'T00:00:00Z'
            when regexp_like({{ text_column }}, '(Z| UTC|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then regexp_replace(
                    regexp_replace(
                        replace(replace({{ text_column }}, ' UTC', 'Z'), ' ', 'T'),
                        '([+-][0-9]{2})([0-9]{2})$', '$1:$2'
                    ),
                    '([+-][0-9]{2})$', '$1:00'
                )
            else replace({{ text_column }}, ' ', 'T') || 'Z'
        end
    ), 'UTC') as {{ dbt.type_timestamp() }}))
{%- endmacro %}

{#- The calendar date of a UTC timestamp in var('reporting_timezone'): the
    day an order counts on for as_of_date, recency and the lookback. -#}
{% macro reporting_date(utc_timestamp) -%}
    {%- set zone = var('reporting_timezone', 'UTC') | replace("'", "''") -%}
    {{ return(adapter.dispatch('reporting_date')(utc_timestamp, zone)) }}
{%- endmacro %}

{% macro default__reporting_date(utc_timestamp, zone) -%}
    {%- if zone == 'UTC' -%}
        cast({{ utc_timestamp }} as date)
    {%- else -%}
        cast(timezone('{{ zone }}', timezone('UTC', {{ utc_timestamp }})) as date)
    {%- endif -%}
{%- endmacro %}

{% macro athena__reporting_date(utc_timestamp, zone) -%}
    {%- if zone == 'UTC' -%}
        cast({{ utc_timestamp }} as date)
    {%- else -%}
        cast(at_timezone(with_timezone({{ utc_timestamp }}, 'UTC'), '{{ zone }}') as date)
    {%- endif -%}
{%- endmacro %}
