-- RFM features, scores and classic segment per customer at each month end of
-- int_rfm_snapshots. Scores are ranked within each month (partition by the
-- month end), never across months, with the same rules as the current scores.

{%- set buckets = var('rfm_score_buckets') %}

with

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

score_segments as (
    {{ rfm_score_segments('segment_rules', buckets) }}
),

-- Lines summed to orders first, so the range join with twelve snapshots
-- multiplies orders, not lines; one row per order makes frequency a plain
-- count. Cancelled orders are left out: they net to zero revenue
-- (int_order_lines_classified) and count toward neither recency nor frequency.
customer_orders as (
    select
        customer_id,
        order_id,
        order_status = 'completed' as is_completed,
        min(ordered_at) as ordered_at,
        sum(net_revenue) as net_revenue
    from order_lines
    where customer_id is not null and order_status != 'cancelled'
    group by customer_id, order_id, order_status
),

orders_in_snapshot_window as (
    select
        snapshots.month_end_date,
        snapshots.snapshot_as_of_date,
        customer_orders.customer_id,
        customer_orders.is_completed,
        customer_orders.ordered_at,
        customer_orders.net_revenue
    from customer_orders
    inner join snapshots
        on
            customer_orders.ordered_at
            >= cast(snapshots.lookback_start_date as {{ dbt.type_timestamp() }})
            and customer_orders.ordered_at
            < cast(snapshots.snapshot_as_of_date as {{ dbt.type_timestamp() }})
),

features as (
    select
        month_end_date,
        customer_id,
        cast({{ dbt.datediff(
            'max(case when is_completed then ordered_at end)',
            'max(snapshot_as_of_date)',
            'day',
        ) }} as integer) as recency_days,
        cast(sum(case when is_completed then 1 else 0 end) as integer) as frequency,
        cast(sum(net_revenue) as {{ type_money() }}) as monetary
    from orders_in_snapshot_window
    group by month_end_date, customer_id
    having sum(case when is_completed then 1 else 0 end) > 0
),

ranked as (
    select
        *,
        {{ rfm_ranks(partition_by='month_end_date') }}
    from features
),

scored as (
    select
        *,
        {{ rfm_scores(buckets) }}
    from ranked
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
