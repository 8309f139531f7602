-- Recency, frequency and monetary value per customer, over the lookback
-- window [lookback_start_date, as_of_date). Only customers with at least one
-- completed order in the window get a row; guest orders have no customer.

with

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

lines_in_window as (
    select
        order_lines.customer_id,
        order_lines.order_id,
        order_lines.order_status,
        order_lines.ordered_at,
        order_lines.gross_revenue,
        order_lines.returned_revenue,
        order_lines.net_revenue
    from order_lines
    cross join as_of
    where
        order_lines.customer_id is not null
        and order_lines.ordered_at >= cast(as_of.lookback_start_date as {{ dbt.type_timestamp() }})
        and order_lines.ordered_at < cast(as_of.as_of_date as {{ dbt.type_timestamp() }})
),

customer_totals as (
    select
        customer_id,
        min(case when order_status = 'completed' then ordered_at end) as first_ordered_at,
        max(case when order_status = 'completed' then ordered_at end) as last_ordered_at,
        count(distinct case when order_status = 'completed' then order_id end) as frequency,
        sum(gross_revenue) as gross_revenue,
        sum(returned_revenue) as returned_revenue,
        sum(net_revenue) as monetary
    from lines_in_window
    group by customer_id
),

features as (
    select
        customer_totals.customer_id,
        cast(
            {{ dbt.datediff('customer_totals.last_ordered_at', 'as_of.as_of_date', 'day') }}
            as integer
        ) as recency_days,
        cast(customer_totals.frequency as integer) as frequency,
        cast(customer_totals.monetary as {{ type_money() }}) as monetary,
        cast(customer_totals.gross_revenue as {{ type_money() }}) as gross_revenue,
        cast(customer_totals.returned_revenue as {{ type_money() }}) as returned_revenue,
        customer_totals.first_ordered_at,
        customer_totals.last_ordered_at,
        as_of.as_of_date
    from customer_totals
    cross join as_of
    where customer_totals.frequency > 0
)

select * from features
