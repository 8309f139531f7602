-- The dates the offer ranking is computed at. Every input of a ranking is
-- taken strictly before its cut_date, and its outcome is a purchase in
-- [cut_date, window_end_date). One ranking, many dates: production is the
-- as-of date; the folds (the backtest) and the calibration cuts (history the
-- purchase probabilities are learnt from) are the month starts of
-- int_rfm_snapshots whose outcome window closed by the as-of date, so no cut
-- looks at a purchase after it. The newest var('offer_backtest_folds') are
-- folds (1 = newest), the older ones calibration. A past cut's segments are
-- those of its month end (int_customer_snapshots_rfm_scored).

with

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

closed_month_cuts as (
    select
        snapshots.snapshot_as_of_date as cut_date,
        cast(
            {{ dbt.dateadd('day', var('offer_horizon_days'), 'snapshots.snapshot_as_of_date') }}
            as date
        ) as window_end_date,
        snapshots.month_end_date,
        as_of.as_of_date
    from snapshots
    cross join as_of
),

past_cuts as (
    select
        cut_date,
        window_end_date,
        month_end_date,
        row_number() over (order by cut_date desc) as recency
    from closed_month_cuts
    where window_end_date <= as_of_date
),

production_cut as (
    select
        as_of_date as cut_date,
        cast({{ dbt.dateadd('day', var('offer_horizon_days'), 'as_of_date') }} as date)
            as window_end_date,
        cast('production' as {{ dbt.type_string() }}) as cut_role,
        cast(null as integer) as fold_number,
        cast(null as date) as month_end_date
    from as_of
),

final as (
    select * from production_cut
    union all
    select
        cut_date,
        window_end_date,
        cast(
            case
                when recency <= {{ var('offer_backtest_folds') }} then 'fold' else 'calibration'
            end
            as {{ dbt.type_string() }}
        ) as cut_role,
        cast(
            case when recency <= {{ var('offer_backtest_folds') }} then recency end as integer
        ) as fold_number,
        month_end_date
    from past_cuts
)

select * from final
