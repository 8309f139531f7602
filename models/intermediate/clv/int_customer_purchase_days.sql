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

line_values as (
    select
        order_lines.customer_id,
        order_lines.ordered_date as purchased_date,
        sum(order_lines.net_revenue) as net_revenue,
        sum(case when products.unit_cost is not null then order_lines.net_revenue end)
            as costed_revenue,
        sum(
            case
                when products.unit_cost is not null and order_lines.gross_revenue > 0
                    then
                        order_lines.net_revenue
                        - products.unit_cost * order_lines.quantity
                        * order_lines.net_revenue / order_lines.gross_revenue
                when products.unit_cost is not null then order_lines.net_revenue
            end
        ) as costed_margin
    from order_lines
    cross join as_of
    left join products
        on order_lines.product_id = products.product_id
    where
        order_lines.customer_id is not null
        and order_lines.ordered_date < as_of.as_of_date
    group by order_lines.customer_id, order_lines.ordered_date
),

valued as (
    select
        purchase_days.customer_id,
        purchase_days.purchased_date,
        cast(coalesce(line_values.net_revenue, 0) as double) as purchase_value,
        cast(line_values.costed_revenue as double) as costed_revenue,
        cast(line_values.costed_margin as double) as costed_margin
    from purchase_days
    left join line_values
        on
            purchase_days.customer_id = line_values.customer_id
            and purchase_days.purchased_date = line_values.purchased_date
)

select * from valued
