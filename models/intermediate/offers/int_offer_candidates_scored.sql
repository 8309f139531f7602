-- Every candidate at the production and fold cuts with its calibrated
-- purchase probability and score (macro offer_scored_candidates): scored
-- once, read by the lists (int_offer_lists_ranked) and by every capacity
-- pass (int_customer_offers_ranked).

with

candidates as (
    select * from {{ ref('int_offer_candidates') }}
),

calibration as (
    select * from {{ ref('int_offer_calibration') }}
),

allowed as (
    select * from {{ ref('int_segment_allowed_products') }}
),

scored as (
    {{ offer_scored_candidates('candidates', 'calibration', 'allowed') }}
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
        product_id,
        category,
        is_from_category,
        is_from_copurchase,
        is_from_repeat,
        category_rank,
        affinity_lift,
        expected_share,
        purchase_days,
        candidate_sources,
        reason_code,
        feature_key,
        discount_rate,
        expected_order_value,
        expected_margin,
        value_percentile,
        predicted_conversion_rate,
        offer_score
    from scored
)

select * from final
