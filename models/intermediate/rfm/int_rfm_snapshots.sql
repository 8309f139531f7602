-- The twelve month ends before the as-of date, for segment migration. The
-- snapshot for month end M measures RFM as of M + 1 day (exclusive), over the
-- same lookback as the current scores.

with

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

months_back as (
    select month_offsets.months_back from (
        values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)
    ) as month_offsets (months_back)
),

snapshot_starts as (
    select
        months_back.months_back,
        {%- set month_start = dbt.date_trunc('month', 'as_of.as_of_date') %}
        cast(
            {{ dbt.dateadd('month', '-1 * months_back.months_back', month_start) }}
            as date
        ) as snapshot_as_of_date
    from as_of
    cross join months_back
),

snapshots as (
    select
        cast(12 - months_back as integer) as snapshot_number,
        cast({{ dbt.dateadd('day', -1, 'snapshot_as_of_date') }} as date) as month_end_date,
        snapshot_as_of_date,
        cast({{ dbt.dateadd('day', -1 * var('rfm_lookback_days'), 'snapshot_as_of_date') }} as date)
            as lookback_start_date
    from snapshot_starts
)

select * from snapshots
