-- RFM features, scores and classic segment per customer at each month end of
-- int_rfm_snapshots. Scores are ranked within each month (partition by the
-- month end), never across months, with the same rules as the current scores.

{%- set buckets = checked_var('rfm_score_buckets') %}

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

score_thresholds as (
    select * from {{ ref('rfm_score_thresholds') }}
),

score_segments as (
    {{ rfm_score_segments('segment_rules', buckets) }}
),

threshold_columns as (
    {{ rfm_score_threshold_columns('score_thresholds', buckets) }}
),

-- One row per order that counts: completed orders (recency and frequency,
-- whatever their lines) and returned ones (their netted revenue); cancelled
-- orders net to zero revenue and count toward neither. Revenue is the sum
-- of the order's clean netted lines, 0 when it has none.
order_revenue as (
    select
        order_id,
        sum(net_revenue) as net_revenue
    from order_lines
    where customer_id is not null and order_status != 'cancelled'
    group by order_id
),

customer_orders as (
    select
        orders.customer_id,
        orders.order_id,
        orders.order_status = 'completed' as is_completed,
        orders.ordered_date as order_date,
        coalesce(order_revenue.net_revenue, 0) as net_revenue
    from orders
    left join order_revenue
        on orders.order_id = order_revenue.order_id
    where orders.customer_id is not null and orders.order_status != 'cancelled'
),

-- An order is in snapshot k while lookback_start_k <= its date < as_of_k.
-- Both bounds grow with k, so each order enters the snapshots once (the
-- first k whose as-of date is after it) and leaves at most once (the first
-- k whose lookback starts after it). Worked out per order day: a few hundred
-- days x the snapshots, instead of every order x every snapshot. snapshot_number
-- may have gaps (int_rfm_snapshots): only its order matters here.
order_days as (
    select distinct order_date from customer_orders
),

order_day_snapshots as (
    select
        order_days.order_date,
        min(
            case
                when order_days.order_date < snapshots.snapshot_as_of_date
                    then snapshots.snapshot_number
            end
        ) as entering_snapshot_number,
        min(
            case
                when order_days.order_date < snapshots.lookback_start_date
                    then snapshots.snapshot_number
            end
        ) as leaving_snapshot_number
    from order_days
    cross join snapshots
    group by order_days.order_date
),

orders_entering_and_leaving as (
    select
        customer_orders.customer_id,
        order_day_snapshots.entering_snapshot_number as snapshot_number,
        case when customer_orders.is_completed then 1 else 0 end as completed_orders_change,
        customer_orders.net_revenue as net_revenue_change,
        case when customer_orders.is_completed then customer_orders.order_date end
            as completed_order_date
    from customer_orders
    inner join order_day_snapshots
        on customer_orders.order_date = order_day_snapshots.order_date
    where order_day_snapshots.entering_snapshot_number is not null

    union all

    select
        customer_orders.customer_id,
        order_day_snapshots.leaving_snapshot_number as snapshot_number,
        case when customer_orders.is_completed then -1 else 0 end as completed_orders_change,
        -1 * customer_orders.net_revenue as net_revenue_change,
        cast(null as date) as completed_order_date
    from customer_orders
    inner join order_day_snapshots
        on customer_orders.order_date = order_day_snapshots.order_date
    where order_day_snapshots.leaving_snapshot_number is not null
),

customer_snapshot_changes as (
    select
        customer_id,
        snapshot_number,
        sum(completed_orders_change) as completed_orders_change,
        sum(net_revenue_change) as net_revenue_change,
        max(completed_order_date) as last_completed_order_date
    from orders_entering_and_leaving
    group by customer_id, snapshot_number
),

-- Running totals of the changes are the frequency and monetary value from
-- each change until the next. The newest completed order seen so far is in
-- the window whenever any completed order is (it is the latest before the
-- as-of date), so its running maximum gives recency.
running_totals as (
    select
        customer_id,
        snapshot_number,
        sum(completed_orders_change) over (
            partition by customer_id order by snapshot_number
            rows between unbounded preceding and current row
        ) as frequency,
        sum(net_revenue_change) over (
            partition by customer_id order by snapshot_number
            rows between unbounded preceding and current row
        ) as monetary,
        max(last_completed_order_date) over (
            partition by customer_id order by snapshot_number
            rows between unbounded preceding and current row
        ) as last_completed_order_date,
        lead(snapshot_number) over (
            partition by customer_id order by snapshot_number
        ) as next_change_snapshot_number
    from customer_snapshot_changes
),

features as (
    select
        snapshots.month_end_date,
        running_totals.customer_id,
        cast({{ dbt.datediff(
            'running_totals.last_completed_order_date', 'snapshots.snapshot_as_of_date', 'day',
        ) }} as integer) as recency_days,
        cast(running_totals.frequency as integer) as frequency,
        cast(running_totals.monetary as {{ type_money() }}) as monetary
    from running_totals
    inner join snapshots
        on
            running_totals.snapshot_number <= snapshots.snapshot_number
            and coalesce(
                running_totals.next_change_snapshot_number, snapshots.snapshot_number + 1
            ) > snapshots.snapshot_number
    where running_totals.frequency > 0
),

ranked as (
    {{ rfm_ranked('features', partition_by='month_end_date') }}
),

scored as (
    select
        ranked.*,
        {{ rfm_scores(buckets) }}
    from ranked
    cross join threshold_columns
),

segmented as (
    select
        scored.month_end_date,
        scored.customer_id,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ rfm_score_string('scored') }} as rfm_score,
        score_segments.segment_name as rfm_segment
    from scored
    left join score_segments
        on
            scored.r_score = score_segments.r_score
            and scored.f_score = score_segments.f_score
            and scored.m_score = score_segments.m_score
)

select * from segmented
