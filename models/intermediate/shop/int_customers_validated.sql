with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

validated as (
    select
        customer_id,
        email,
        country_code,
        signed_up_at,
        is_marketing_opt_in
    from customers
    where dq_reason is null
)

select * from validated
