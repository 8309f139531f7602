-- The clean order lines, classified as sale, return or cancellation, with
-- returns and cancellations netted out of revenue. The classification is
-- made where the line is checked (int_order_items_checked, which explains
-- the rules); this view keeps the clean rows.
{{ config(materialized='view') }}

with

order_items as (
    select * from {{ ref('int_order_items_checked') }}
),

classified as (
    select
        order_id,
        line_number,
        product_id,
        customer_id,
        ordered_at,
        ordered_date,
        order_status,
        line_type,
        quantity,
        unit_price,
        discount_amount,
        gross_revenue,
        returned_revenue,
        cast(gross_revenue - returned_revenue as {{ type_money() }}) as net_revenue
    from order_items
    where dq_reason is null
)

select * from classified
