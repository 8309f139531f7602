-- Classifies every clean order line and nets returns and cancellations out of
-- revenue. A cancelled order never sold anything; a returned order (status
-- 'returned') sold and gave everything back; a negative quantity inside a
-- completed order gives back part of it.

with

order_items as (
    select * from {{ ref('int_order_items_checked') }}
    where dq_reason is null
),

orders as (
    select * from {{ ref('int_orders_validated') }}
),

lines_with_orders as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_status,
        order_items.quantity,
        order_items.unit_price,
        order_items.discount_amount,
        abs(order_items.quantity) * order_items.unit_price
        - order_items.discount_amount as line_amount
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
),

classified as (
    select
        *,
        case
            when order_status = 'cancelled' then 'cancellation'
            when order_status = 'returned' or quantity < 0 then 'return'
            else 'sale'
        end as line_type,
        case
            when order_status = 'cancelled' or quantity < 0 then 0
            else line_amount
        end as gross_revenue,
        case
            when order_status = 'cancelled' then 0
            when order_status = 'returned' or quantity < 0 then line_amount
            else 0
        end as returned_revenue
    from lines_with_orders
),

final as (
    select
        order_id,
        line_number,
        product_id,
        customer_id,
        ordered_at,
        order_status,
        line_type,
        quantity,
        unit_price,
        discount_amount,
        cast(gross_revenue as {{ type_money() }}) as gross_revenue,
        cast(returned_revenue as {{ type_money() }}) as returned_revenue,
        cast(gross_revenue - returned_revenue as {{ type_money() }}) as net_revenue
    from classified
)

select * from final
