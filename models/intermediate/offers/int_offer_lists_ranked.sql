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

-- The list is formed on the columns its order needs (sorting the ~25 wide
-- columns cost more than the order itself at 1M customers); the rest joins
-- back to the rows kept. Read apart from `scored` so neither is
-- materialised whole.
ranking_inputs as (
    select
        cut_date,
        customer_id,
        product_id,
        category,
        offer_score,
        offers_wanted
    from {{ ref('int_offer_candidates_scored') }}
),

listed as (
    select
        scored.*,
        diversified.offer_rank
    from ({{ offer_diversified_lists('ranking_inputs') }}) as diversified
    inner join scored
        on
            diversified.cut_date = scored.cut_date
            and diversified.customer_id = scored.customer_id
            and diversified.product_id = scored.product_id
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
