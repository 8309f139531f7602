-- A filter of a table: as a view it costs nothing to build and little to read.
{{ config(materialized='view') }}

with

orders as (
    select * from {{ ref('int_orders_checked') }}
),

validated as (
    select
        order_id,
        customer_id,
        ordered_at,
        ordered_date,
        order_status,
        channel,
        is_guest_checkout,
        order_amount
    from orders
    where dq_reason is null
)

select * from validated
