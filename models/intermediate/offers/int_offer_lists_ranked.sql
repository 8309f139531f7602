-- Every ranked customer's offer list at the production cut (before the
-- capacity rule, int_customer_offers_ranked) and at each backtest fold: the
-- one ranking the mart publishes and the backtest scores. Candidates
-- (int_offer_candidates_scored: their calibrated purchase probability
-- times the bounded value multiplier), ordered with the diversity rule and cut
-- to the playbook's offers_per_customer (macro offer_diversified_lists).

with

scored as (
    select * from {{ ref('int_offer_candidates_scored') }}
),

listed as (
    {{ offer_diversified_lists('scored') }}
),

final as (
    select
        cut_date,
        cut_role,
        customer_id,
        rfm_segment,
        offer_channel,
        has_purchase_history,
        offers_wanted,
        offer_rank,
        product_id,
        category,
        cast(predicted_conversion_rate as double) as predicted_conversion_rate,
        cast(offer_score as double) as offer_score,
        expected_margin,
        expected_order_value,
        discount_rate,
        affinity_lift,
        reason_code,
        candidate_sources,
        feature_key
    from listed
)

select * from final
