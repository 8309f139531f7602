-- One row per customer with a purchase before as_of_date: what BG/NBD and
-- Gamma-Gamma read (int_clv_parameters fits them, int_customers_clv scores
-- every row). The definitions (macro clv_customer_inputs) differ from RFM's
-- on purpose: frequency counts repeat purchase days, recency is measured
-- from the first purchase, and the whole history counts (README, "Churn
-- risk and lifetime value").
--
-- clv_margin_rate turns value into margin: the customer's own margin over
-- net revenue on lines with a known cost, else the shop's; clv_basis is
-- 'revenue' (rate 1) only when no line anywhere has a known cost.

with

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

customer_inputs as (
    {{ clv_customer_inputs('purchase_days', 'as_of', 'as_of_date') }}
),

shop_margin as (
    select
        cast(sum(costed_margin) as double)
        / nullif(cast(sum(costed_revenue) as double), 0) as margin_rate
    from customer_inputs
    where costed_revenue > 0
),

final as (
    select
        customer_inputs.customer_id,
        customer_inputs.first_purchased_date,
        customer_inputs.last_purchased_date,
        customer_inputs.purchase_days,
        customer_inputs.repeat_frequency,
        customer_inputs.repeat_recency_days,
        customer_inputs.customer_age_days,
        customer_inputs.repeat_mean_value,
        customer_inputs.purchase_mean_value,
        cast(
            coalesce(
                case
                    when customer_inputs.costed_revenue > 0
                        then
                            cast(customer_inputs.costed_margin as double)
                            / cast(customer_inputs.costed_revenue as double)
                end,
                shop_margin.margin_rate,
                1
            ) as double
        ) as clv_margin_rate,
        case when shop_margin.margin_rate is null then 'revenue' else 'margin' end as clv_basis,
        as_of.as_of_date
    from customer_inputs
    cross join shop_margin
    cross join as_of
)

select * from final
