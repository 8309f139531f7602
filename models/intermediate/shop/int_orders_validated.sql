with

orders as (
    select * from {{ ref('int_orders_checked') }}
),

validated as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_status,
        channel,
        is_guest_checkout
    from orders
    where dq_reason is null
)

select * from validated
