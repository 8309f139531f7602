-- When customer ids are personal data (macros/personal_data.sql), every
-- model and mart keys customers by the salted hash of the id. This table is
-- the way back: one row per raw spelling of a customer id, with the key it
-- became. It lives in the restricted schema, never among the marts: grant it
-- to the data owner only. Empty when ids are not personal.

{%- set personal_ids = customer_ids_are_personal() %}
{%- if personal_ids and execute %}
    {%- do exceptions.warn(
        "Customer ids look like email addresses (or var customer_ids_are_personal is true): "
        ~ "the marts carry their salted hash as customer_id, and " ~ this
        ~ " maps them back. Keep that table as private as the raw data.") %}
{%- endif %}

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

raw_ids as (
    select
        customer_id,
        source_customer_id
    from orders
    where customer_id is not null
    union
    select
        customer_id,
        source_customer_id
    from customers
    where customer_id is not null
),

mapped as (
    select
        customer_id,
        source_customer_id
    from raw_ids
    {%- if not personal_ids %}
    where false
    {%- endif %}
)

select * from mapped
