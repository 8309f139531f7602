-- Does the purchase model predict? BG/NBD fitted on the data before the
-- calibration cut (as_of_date minus var('clv_holdout_days')) against what
-- its customers really did in the holdout after it, in the two charts
-- Fader, Hardie and Lee (2005) validate with:
--   calibration_frequency  per repeat purchases before the cut (bucket 7 =
--                          7 or more): mean holdout repeat purchases, actual
--                          and expected (the conditional expectation chart);
--   holdout_week           repeat purchases in each holdout week, actual and
--                          expected, and both cumulated (the tracking chart).
-- A repeat purchase in the holdout is a purchase day of a customer who had
-- bought before the cut. README, "Churn risk and lifetime value".

with

calibration_inputs as (
    select * from {{ ref('int_clv_calibration_inputs') }}
),

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

expected as (
    select * from {{ ref('int_clv_calibration_expected') }}
),

actual_by_frequency as (
    select
        -- repeat_frequency is never null (purchase days - 1), as least() needs on Trino
        least(repeat_frequency, 7) as bucket,  -- athena-check: allow greatest-least-null
        sum(holdout_purchases) as actual_repeat_purchases
    from calibration_inputs
    group by least(repeat_frequency, 7)  -- athena-check: allow greatest-least-null
),

holdout_days as (
    select
        {{ dbt.datediff('calibration_inputs.cut_date', 'purchase_days.purchased_date', 'day') }}
            as day_after_cut
    from purchase_days
    inner join calibration_inputs
        on purchase_days.customer_id = calibration_inputs.customer_id
    where purchase_days.purchased_date >= calibration_inputs.cut_date
),

actual_by_week as (
    select
        cast(floor(day_after_cut / 7.0) + 1 as integer) as bucket,
        count(*) as actual_repeat_purchases
    from holdout_days
    group by cast(floor(day_after_cut / 7.0) + 1 as integer)
),

actual as (
    select
        'calibration_frequency' as breakdown,
        bucket,
        actual_repeat_purchases
    from actual_by_frequency

    union all

    select
        'holdout_week' as breakdown,
        bucket,
        actual_repeat_purchases
    from actual_by_week
),

cut as (
    select
        min(cut_date) as cut_date,
        min(as_of_date) as as_of_date
    from calibration_inputs
),

joined as (
    select
        expected.breakdown,
        cast(expected.bucket as integer) as bucket,
        case
            when expected.breakdown = 'holdout_week'
                then 'week ' || cast(expected.bucket as {{ dbt.type_string() }})
            when expected.bucket = 7 then '7+'
            else cast(expected.bucket as {{ dbt.type_string() }})
        end as bucket_label,
        cast(expected.customers as bigint) as customers,
        cast(coalesce(actual.actual_repeat_purchases, 0) as double) as actual_repeat_purchases,
        expected.expected_repeat_purchases,
        expected.bgnbd_status,
        expected.r,
        expected.alpha,
        expected.a,
        expected.b,
        cut.cut_date,
        cut.as_of_date
    from expected
    cross join cut
    left join actual
        on
            expected.breakdown = actual.breakdown
            and expected.bucket = actual.bucket
),

final as (
    select
        breakdown,
        bucket,
        bucket_label,
        customers,
        actual_repeat_purchases,
        expected_repeat_purchases,
        actual_repeat_purchases / nullif(customers, 0) as actual_per_customer,
        expected_repeat_purchases / nullif(customers, 0) as expected_per_customer,
        sum(actual_repeat_purchases) over (
            partition by breakdown order by bucket rows between unbounded preceding and current row
        ) as cumulative_actual_repeat_purchases,
        sum(expected_repeat_purchases) over (
            partition by breakdown order by bucket rows between unbounded preceding and current row
        ) as cumulative_expected_repeat_purchases,
        bgnbd_status,
        r,
        alpha,
        a,
        b,
        cut_date,
        as_of_date
    from joined
)

select * from final
