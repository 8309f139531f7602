-- Every raw order line with its final verdict and, for a clean line, its
-- order and its netted revenue. The netting lives here rather than in
-- int_order_lines_classified (a view of the clean rows) because this join
-- with the orders is the one that checks the line: doing it once, and
-- writing ten million lines once, is half the cost of the RFM path.
--
-- A cancelled order never sold anything; a returned order (status
-- 'returned') sold and gave everything back; a negative quantity inside a
-- completed order gives back part of it.
--
-- Orders-only data (no order_items table) has one line per clean order,
-- worth its order_amount, checked in stg_shop__orders against the row the
-- user supplied; the empty order_items source adds nothing.

{%- set lines_from_order_amounts = not shop_table_provided('order_items') %}

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
    {%- if lines_from_order_amounts %}
    union all
    select
        order_id,
        1 as line_number,
        cast(null as {{ dbt.type_string() }}) as product_id,
        1 as quantity,
        order_amount as unit_price,
        cast(0 as {{ type_money() }}) as discount_amount,
        cast(null as {{ dbt.type_string() }}) as dq_reason,
        cast(null as {{ dbt.type_string() }}) as raw_record
    from orders
    {%- endif %}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

checked as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        orders.customer_id,
        orders.ordered_at,
        orders.ordered_date,
        orders.order_status,
        order_items.quantity,
        order_items.unit_price,
        order_items.discount_amount,
        abs(order_items.quantity) * order_items.unit_price
        - order_items.discount_amount as line_amount,
        order_items.raw_record,
        coalesce(
            order_items.dq_reason,
            case
                when orders.order_id is null then 'unknown_order'
                {%- if shop_table_provided('products') %}
                when order_items.product_id is not null and products.product_id is null
                    then 'unknown_product'
                {%- endif %}
            end
        ) as dq_reason
    from order_items
    left join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id
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
    from checked
),

final as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        discount_amount,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record,
        -- The order and the netting, for clean lines only.
        case when dq_reason is null then customer_id end as customer_id,
        case when dq_reason is null then ordered_at end as ordered_at,
        case when dq_reason is null then ordered_date end as ordered_date,
        case when dq_reason is null then order_status end as order_status,
        case when dq_reason is null then line_type end as line_type,
        case
            when dq_reason is null then cast(gross_revenue as {{ type_money() }})
        end as gross_revenue,
        case
            when dq_reason is null then cast(returned_revenue as {{ type_money() }})
        end as returned_revenue
    from classified
)

select * from final
