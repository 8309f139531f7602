-- The month ends RFM is scored at: the twelve before the as-of date (segment
-- migration) and every month end some clean campaign member was sent after
-- (segment at send). Their union, not a contiguous range back to the oldest
-- campaign: scoring a snapshot is the costly part at scale.
--
-- The snapshot for month end M measures RFM as of M + 1 day (exclusive), over
-- the same lookback as the current scores. snapshot_number counts months from
-- the as-of month: 12 - (months before it), so the migration snapshots are
-- 1..12 as they always were, an older send month is 0 or less, and the
-- numbers grow with the date (int_customer_snapshots_rfm_scored needs that).
--
-- A send's snapshot is the last month end strictly before it, compared as
-- calendar dates in var('reporting_timezone') like every order date: the one
-- whose snapshot_as_of_date is the first of the month of the send's
-- reporting-timezone date, i.e. the newest as-of date on or before that date.

with

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

members as (
    select * from {{ ref('int_campaign_members_validated') }}
),

months_back as (
    select month_offsets.months_back from (
        values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)
    ) as month_offsets (months_back)
),

as_of_month as (
    select
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month_start_date
    from as_of
),

migration_snapshot_starts as (
    select
        cast({{ dbt.dateadd(
            'month', '-1 * months_back.months_back', 'as_of_month.as_of_month_start_date',
        ) }} as date) as snapshot_as_of_date
    from as_of_month
    cross join months_back
),

send_snapshot_starts as (
    select distinct
        cast(
            {{ dbt.date_trunc('month', reporting_date('members.sent_at')) }} as date
        ) as snapshot_as_of_date
    from members
),

snapshot_starts as (
    select snapshot_as_of_date from migration_snapshot_starts
    union
    select snapshot_as_of_date from send_snapshot_starts
),

snapshots as (
    select
        -- Parenthesised: dbt-athena's month datediff is a bare sum of terms.
        cast(
            12 - ({{ dbt.datediff(
                'snapshot_starts.snapshot_as_of_date', 'as_of_month.as_of_month_start_date', 'month',
            ) }})
            as integer
        ) as snapshot_number,
        cast({{ dbt.dateadd('day', -1, 'snapshot_starts.snapshot_as_of_date') }} as date)
            as month_end_date,
        snapshot_starts.snapshot_as_of_date,
        cast({{ dbt.dateadd(
            'day', -1 * var('rfm_lookback_days'), 'snapshot_starts.snapshot_as_of_date',
        ) }} as date) as lookback_start_date
    from snapshot_starts
    cross join as_of_month
),

final as (
    select
        snapshot_number,
        month_end_date,
        snapshot_as_of_date,
        lookback_start_date,
        snapshot_number between 1 and 12 as is_migration_snapshot
    from snapshots
)

select * from final
