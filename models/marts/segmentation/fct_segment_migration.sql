-- Each customer's classic RFM segment at each of the last twelve month ends,
-- with the segment at the month end before. A customer without a completed
-- order in the lookback window at a month end is 'No Recent Purchases' there,
-- so first purchases and lapses show up as migrations too.

with

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

scored_customers as (
    select distinct customer_id from snapshot_scores
),

-- Every scored customer at every month end, scored or not that month.
customer_months as (
    select
        scored_customers.customer_id,
        snapshots.snapshot_number,
        snapshots.month_end_date
    from scored_customers
    cross join snapshots
),

segments_by_month as (
    select
        customer_months.customer_id,
        customer_months.snapshot_number,
        customer_months.month_end_date,
        snapshot_scores.r_score,
        snapshot_scores.f_score,
        snapshot_scores.m_score,
        snapshot_scores.rfm_score,
        coalesce(snapshot_scores.rfm_segment, 'No Recent Purchases') as rfm_segment
    from customer_months
    left join snapshot_scores
        on
            customer_months.customer_id = snapshot_scores.customer_id
            and customer_months.month_end_date = snapshot_scores.month_end_date
),

with_previous as (
    select
        *,
        lag(rfm_segment) over (
            partition by customer_id order by snapshot_number
        ) as previous_rfm_segment
    from segments_by_month
),

final as (
    select
        customer_id,
        month_end_date,
        snapshot_number,
        r_score,
        f_score,
        m_score,
        rfm_score,
        rfm_segment,
        previous_rfm_segment,
        coalesce(previous_rfm_segment != rfm_segment, false) as has_changed_segment
    from with_previous
)

select * from final
