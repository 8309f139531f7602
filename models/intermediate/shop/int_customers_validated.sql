-- Consent is not here: the clean row is only one of a customer's records,
-- and consent is resolved over all of them (int_customer_consents_resolved).

with

customers as (
    select * from {{ ref('int_customers_checked') }}
),

validated as (
    select
        customer_id,
        email,
        country_code,
        signed_up_at
    from customers
    where dq_reason is null
)

select * from validated
