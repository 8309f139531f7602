-- The calibration side of fct_clv_calibration: the same inputs as
-- int_customer_clv_inputs (macro clv_customer_inputs), as if the data ended
-- at the calibration cut (as_of_date minus var('clv_holdout_days')), for the
-- customers who had bought by then, with the repeat purchase days each made
-- in the holdout [cut, as_of_date). int_clv_calibration_expected fits on
-- these rows and predicts the holdout; the mart sets the two side by side.

with

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

cut as (
    select
        as_of_date,
        cast({{ dbt.dateadd('day', -1 * var('clv_holdout_days'), 'as_of_date') }} as date)
            as cut_date
    from as_of
),

calibration as (
    {{ clv_customer_inputs('purchase_days', 'cut', 'cut_date') }}
),

holdout as (
    select
        purchase_days.customer_id,
        count(*) as holdout_purchases
    from purchase_days
    cross join cut
    where purchase_days.purchased_date >= cut.cut_date
    group by purchase_days.customer_id
),

final as (
    select
        calibration.customer_id,
        calibration.first_purchased_date,
        calibration.repeat_frequency,
        calibration.repeat_recency_days,
        calibration.customer_age_days,
        calibration.repeat_mean_value,
        calibration.purchase_mean_value,
        cast(coalesce(holdout.holdout_purchases, 0) as integer) as holdout_purchases,
        cut.cut_date,
        cut.as_of_date
    from calibration
    cross join cut
    left join holdout
        on calibration.customer_id = holdout.customer_id
)

select * from final
