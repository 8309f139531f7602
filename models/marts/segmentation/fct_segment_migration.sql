-- Each customer's classic RFM segment at each of the last twelve month ends,
-- with the segment at the month end before. A customer without a completed
-- order in the lookback window at a month end is 'No Recent Purchases' there,
-- so first purchases and lapses show up as migrations too.
--
-- A move between two scored segments is a population shift when the customer
-- placed no order between the two month ends and some score is a quantile:
-- the customer did nothing, and the move may come from other customers
-- (README, "Scoring methods"). Entering or leaving 'No Recent Purchases' is
-- never one (an order entered or left the lookback window). Under
-- fixed scoring with threshold monetary it is never one: a customer who did
-- nothing moves only because time passed (recency crossed a threshold, or an
-- order left the lookback window).


with

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

-- int_rfm_snapshots also holds older month ends that only campaign sends
-- need (segment at send); migration reads the last twelve alone.
migration_snapshots as (
    select * from snapshots
    where is_migration_snapshot
),

migration_snapshot_scores as (
    select snapshot_scores.*
    from snapshot_scores
    inner join migration_snapshots
        on snapshot_scores.month_end_date = migration_snapshots.month_end_date
),

scored_customers as (
    select distinct customer_id from migration_snapshot_scores
),

-- Every scored customer at every month end, scored or not that month.
customer_months as (
    select
        scored_customers.customer_id,
        migration_snapshots.snapshot_number,
        migration_snapshots.month_end_date
    from scored_customers
    cross join migration_snapshots
),

-- The month before each month end, among the twelve (none before the first).
previous_snapshots as (
    select
        migration_snapshots.snapshot_number,
        previous.month_end_date as previous_month_end_date
    from migration_snapshots
    left join migration_snapshots as previous
        on migration_snapshots.snapshot_number - 1 = previous.snapshot_number
),

-- The segment at the month end before, joined by month rather than found by
-- a lag() window: a window would sort every customer x month row with all
-- its columns (twelve rows per customer: 120M at 10M customers).
with_previous as (
    select
        customer_months.customer_id,
        customer_months.snapshot_number,
        customer_months.month_end_date,
        current_scores.r_score,
        current_scores.f_score,
        current_scores.m_score,
        current_scores.rfm_score,
        current_scores.recency_days,
        coalesce(current_scores.rfm_segment, {{ no_recent_purchases_segment() }}) as rfm_segment,
        case
            when previous_snapshots.previous_month_end_date is not null
                then coalesce(previous_scores.rfm_segment, {{ no_recent_purchases_segment() }})
        end as previous_rfm_segment,
        previous_snapshots.previous_month_end_date
    from customer_months
    inner join previous_snapshots
        on customer_months.snapshot_number = previous_snapshots.snapshot_number
    left join migration_snapshot_scores as current_scores
        on
            customer_months.customer_id = current_scores.customer_id
            and customer_months.month_end_date = current_scores.month_end_date
    left join migration_snapshot_scores as previous_scores
        on
            customer_months.customer_id = previous_scores.customer_id
            and previous_snapshots.previous_month_end_date = previous_scores.month_end_date
),

-- recency_days counts from the last completed order to the day after the
-- month end, so that order came after the previous month end exactly when
-- recency_days <= the days between the two month ends.
with_order_flag as (
    select
        *,
        coalesce(previous_rfm_segment != rfm_segment, false) as has_changed_segment,
        coalesce(
            recency_days <= {{ dbt.datediff('previous_month_end_date', 'month_end_date', 'day') }},
            false
        ) as has_ordered_since_previous
    from with_previous
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
        has_changed_segment,
        has_ordered_since_previous,
        has_changed_segment
        and not has_ordered_since_previous
        and previous_rfm_segment != {{ no_recent_purchases_segment() }}
        and rfm_segment != {{ no_recent_purchases_segment() }}
        -- false when every score is a threshold: the customer alone decides them
        and {{ 'true' if rfm_uses_quantiles() else 'false' }} as is_population_shift
    from with_order_flag
)

select * from final
