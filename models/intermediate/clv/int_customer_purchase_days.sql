-- One row per customer and purchase day before as_of_date: the purchases
-- BG/NBD counts and what each was worth (README, "Churn risk and lifetime
-- value"). A purchase day is a calendar day (var('reporting_timezone')) with
-- at least one completed order, as RFM's frequency counts orders; several
-- orders on one day are one purchase, worth their summed net revenue (zero
-- or negative after returns is valid). Every day counts, not only RFM's
-- lookback: the model measures a customer's age from the first purchase.
--
-- Margin, where the product has a unit_cost: net revenue minus the cost of
-- the units kept (quantity scaled by net over gross revenue; free units'
-- cost is left out). costed_revenue is the net revenue of those lines.

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

purchase_days as (
    select
        orders.customer_id,
        orders.ordered_date as purchased_date
    from orders
    cross join as_of
    where
        orders.customer_id is not null
        and orders.order_status = 'completed'
        and orders.ordered_date < as_of.as_of_date
    group by orders.customer_id, orders.ordered_date
),

-- Money stays exact decimal (macros/types.sql): summed as doubles, the
-- values would depend on the order the engine adds them in, and so would
-- every fit and score downstream. A line's margin is computed in doubles
-- and then fixed as money, before any sum.
lines as (
    select
        order_lines.customer_id,
        order_lines.ordered_date,
        order_lines.net_revenue,
        products.unit_cost is not null as has_cost,
        cast(
            case
                when order_lines.gross_revenue > 0
                    then
                        cast(order_lines.net_revenue as double)
                        - cast(products.unit_cost as double) * cast(order_lines.quantity as double)
                        * cast(order_lines.net_revenue as double)
                        / cast(order_lines.gross_revenue as double)
                else cast(order_lines.net_revenue as double)
            end as {{ type_money() }}
        ) as line_margin
    from order_lines
    cross join as_of
    left join products
        on order_lines.product_id = products.product_id
    where
        order_lines.customer_id is not null
        and order_lines.ordered_date < as_of.as_of_date
),

line_values as (
    select
        customer_id,
        ordered_date as purchased_date,
        sum(net_revenue) as net_revenue,
        sum(case when has_cost then net_revenue end) as costed_revenue,
        sum(case when has_cost then line_margin end) as costed_margin
    from lines
    group by customer_id, ordered_date
),

valued as (
    select
        purchase_days.customer_id,
        purchase_days.purchased_date,
        cast(coalesce(line_values.net_revenue, 0) as {{ type_money() }}) as purchase_value,
        cast(line_values.costed_revenue as {{ type_money() }}) as costed_revenue,
        cast(line_values.costed_margin as {{ type_money() }}) as costed_margin
    from purchase_days
    left join line_values
        on
            purchase_days.customer_id = line_values.customer_id
            and purchase_days.purchased_date = line_values.purchased_date
)

select * from valued
