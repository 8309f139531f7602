-- Recency, frequency and monetary value per customer, over the lookback
-- window [lookback_start_date, as_of_date) of order days (an order's day is
-- its date in var('reporting_timezone')). Only customers with at least one
-- completed order in the window get a row; guest orders have no customer.
--
-- Orders count by the order: frequency and recency come from the clean
-- completed orders themselves, so an order whose lines are all free, or
-- missing, or quarantined still counts; monetary sums the netted clean lines
-- of the orders in the window (cancelled orders net to 0).

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

customer_orders as (
    select
        orders.customer_id,
        min(orders.ordered_at) as first_ordered_at,
        max(orders.ordered_at) as last_ordered_at,
        max(orders.ordered_date) as last_ordered_date,
        count(*) as frequency
    from orders
    cross join as_of
    where
        orders.customer_id is not null
        and orders.order_status = 'completed'
        and orders.ordered_date >= as_of.lookback_start_date
        and orders.ordered_date < as_of.as_of_date
    group by orders.customer_id
),

customer_revenue as (
    select
        order_lines.customer_id,
        sum(order_lines.gross_revenue) as gross_revenue,
        sum(order_lines.returned_revenue) as returned_revenue,
        sum(order_lines.net_revenue) as monetary
    from order_lines
    cross join as_of
    where
        order_lines.customer_id is not null
        and order_lines.ordered_date >= as_of.lookback_start_date
        and order_lines.ordered_date < as_of.as_of_date
    group by order_lines.customer_id
),

features as (
    select
        customer_orders.customer_id,
        cast(
            {{ dbt.datediff('customer_orders.last_ordered_date', 'as_of.as_of_date', 'day') }}
            as integer
        ) as recency_days,
        cast(customer_orders.frequency as integer) as frequency,
        cast(coalesce(customer_revenue.monetary, 0) as {{ type_money() }}) as monetary,
        cast(coalesce(customer_revenue.gross_revenue, 0) as {{ type_money() }}) as gross_revenue,
        cast(coalesce(customer_revenue.returned_revenue, 0) as {{ type_money() }})
            as returned_revenue,
        customer_orders.first_ordered_at,
        customer_orders.last_ordered_at,
        as_of.as_of_date
    from customer_orders
    cross join as_of
    left join customer_revenue
        on customer_orders.customer_id = customer_revenue.customer_id
)

select * from features
