{#- Salted SHA-256 of a normalised email, hex encoded: lets a BI tool join or
    count customers by email without ever seeing one. The salt comes from the
    environment variable RFM_EMAIL_HASH_SALT so it never sits in the repo;
    unset, a public demo salt is used and the build says so. dbt renders the
    salt into the compiled SQL (target/ and, on Athena, the query history):
    keep both as private as the salt itself. -#}
{% macro salted_email_hash(column) -%}
    {%- set salt = email_hash_salt() -%}
    {%- if execute and salt == public_demo_salt() -%}
        {{ log("RFM_EMAIL_HASH_SALT is not set: email hashes use the public demo salt. Set it before sharing marts.", info=true) }}
    {%- endif -%}
    {#- A quote in the salt must not end the SQL string literal. -#}
    {{ return(adapter.dispatch('salted_email_hash')(column, salt | replace("'", "''"))) }}
{%- endmacro %}

{#- The salt: $RFM_EMAIL_HASH_SALT, else the public demo salt. -#}
{% macro email_hash_salt() %}
    {{ return(env_var('RFM_EMAIL_HASH_SALT', '') or public_demo_salt()) }}
{% endmacro %}

{% macro public_demo_salt() %}
    {{ return('rfm-nbo-public-demo-salt') }}
{% endmacro %}

{% macro default__salted_email_hash(column, salt) -%}
    case when {{ column }} is not null then sha256('{{ salt }}' || lower(trim({{ column }}))) end
{%- endmacro %}

{% macro athena__salted_email_hash(column, salt) -%}
    case
        when {{ column }} is not null
            then lower(to_hex(sha256(to_utf8('{{ salt }}' || lower(trim({{ column }}))))))
    end
{%- endmacro %}


{#- on-run-start: a loud warning when the build reads a user's data (raw_files,
    raw_schema or Athena) but RFM_EMAIL_HASH_SALT is unset. The demo salt is
    public, so anyone can rebuild the hash of a known email address or
    customer id and find that person in the marts. Renders no SQL. -#}
{% macro warn_public_salt_on_real_data() %}
    {%- set real_data = var('raw_files', none) is not none
        or var('raw_schema', none) is not none
        or target.type != 'duckdb' -%}
    {%- if execute and real_data and not env_var('RFM_EMAIL_HASH_SALT', '') -%}
        {%- do exceptions.warn(
            "RFM_EMAIL_HASH_SALT is not set, so the email hashes (and customer ids, when they are "
            ~ "personal) of YOUR data use the PUBLIC demo salt: anyone who knows an email address can "
            ~ "find its hash in the marts. Set RFM_EMAIL_HASH_SALT to a secret before sharing any mart.") -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
