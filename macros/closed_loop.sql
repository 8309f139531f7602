{#- Macros of the closed loop (README, "How the loop learns"). -#}

{#- Normal-prior shrinkage with the prior worth k members: the evidence's
    n effective members pull toward raw, k toward prior. Without evidence
    (n null or 0) the prior alone. -#}
{% macro shrink(raw, prior, n, k) -%}
    case
        when {{ n }} > 0 then ({{ n }} * {{ raw }} + {{ k }} * {{ prior }}) / ({{ n }} + {{ k }})
        else {{ prior }}
    end
{%- endmacro %}


{#- The shrunk conversion uplift and incremental margin per contact and
    their posterior sds, from a row's raw values (raw_*), its prior
    (prior_*), its evidence (effective_members) and the per-member variances
    (conversion_member_variance, margin_member_variance); k = the prior's
    weight in members. The same for segment rows and breakdown rows. -#}
{% macro shrunk_effect_columns(k) -%}
    {{ shrink('raw_conversion_uplift', 'prior_conversion_uplift', 'effective_members', k) }}
        as shrunk_conversion_uplift,
    sqrt(conversion_member_variance / nullif(coalesce(effective_members, 0) + {{ k }}, 0))
        as shrunk_conversion_uplift_sd,
    {{ shrink(
        'raw_incremental_margin_per_contact',
        'prior_incremental_margin_per_contact',
        'effective_members',
        k,
    ) }} as shrunk_incremental_margin_per_contact,
    sqrt(margin_member_variance / nullif(coalesce(effective_members, 0) + {{ k }}, 0))
        as shrunk_incremental_margin_per_contact_sd
{%- endmacro %}


{#- A discount rate (fraction) as a label for breakdown_value, e.g. 0.125 ->
    '12.5%'. Through a decimal, because a double's text differs between
    DuckDB ('0.15') and Trino ('1.5E-1'). -#}
{% macro discount_label(rate) -%}
    cast(cast(round({{ rate }} * 100, 1) as decimal(5, 1)) as {{ dbt.type_string() }}) || '%'
{%- endmacro %}


{#- A number in [0, 1) that depends only on the text: the first 8 hex digits
    of its SHA-256 (row_hash, the same lower-case hex on both engines) as an
    integer, over 16^8 (a double: Trino divides by a decimal literal at its
    scale). Uniform enough for a holdout draw, identical on DuckDB and
    Athena. -#}
{% macro hash_fraction(expression) -%}
    (cast({{ hex_to_bigint('substr(' ~ row_hash(expression) ~ ', 1, 8)', 8) }} as double) / 4294967296)
{%- endmacro %}


{#- Lower-case hex text of `digits` digits to an integer, digit by digit with
    strpos, which both engines have (DuckDB's cast of '0x...' and Trino's
    from_base are each one engine's only). -#}
{% macro hex_to_bigint(hex, digits) -%}
    (
    {%- for position in range(digits) %}
        {% if not loop.first %}+ {% endif -%}
        (strpos('0123456789abcdef', substr({{ hex }}, {{ position + 1 }}, 1)) - 1)
        * {{ 16 ** (digits - position - 1) }}
    {%- endfor %}
    )
{%- endmacro %}


{#- var('contact_cost_per_channel'), checked: a cost for every consent
    channel, or the build stops and says which is missing. -#}
{% macro contact_costs() -%}
    {%- set costs = var('contact_cost_per_channel') -%}
    {%- set missing = [] -%}
    {%- for channel in consent_channels() -%}
        {%- if channel not in costs -%}{%- do missing.append(channel) -%}{%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "var contact_cost_per_channel has no cost for " ~ missing | join(', ')
            ~ ": give every channel a cost (0 is allowed), e.g. {email: 0.01, sms: 0.06, push: 0.005}."
        ) }}
    {%- endif -%}
    {{ return(costs) }}
{%- endmacro %}
