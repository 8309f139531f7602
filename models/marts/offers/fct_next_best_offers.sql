-- One row per contactable customer per offer rank: the ranking of
-- int_customer_offers_ranked (calibrated purchase probability, diversity,
-- capacity), with the copy written for the customer's segment and the
-- product (int_segment_offer_copy), published with the as-of date. Whether
-- the customer is actually sent the rank-1 offer is the contact policy's
-- call (dim_customers.contact_status, fct_campaign_audience).

with

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
),

offer_copy as (
    select * from {{ ref('int_segment_offer_copy') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

final as (
    select
        ranked_offers.customer_id,
        ranked_offers.offer_rank,
        ranked_offers.rfm_segment,
        ranked_offers.product_id,
        ranked_offers.product_name,
        ranked_offers.category,
        ranked_offers.offer_type,
        ranked_offers.channel,
        cast(ranked_offers.discount_rate as double) as discount_rate,
        offer_copy.headline,
        offer_copy.body,
        offer_copy.sms,
        offer_copy.copy_source,
        offer_copy.fallback_reason,
        ranked_offers.reason_code,
        ranked_offers.candidate_sources,
        ranked_offers.allocation_pass,
        cast(ranked_offers.segment_incremental_conversion as double)
            as segment_incremental_conversion,
        cast(ranked_offers.affinity_lift as double) as affinity_lift,
        cast(ranked_offers.predicted_incremental_conversion as double)
            as predicted_incremental_conversion,
        -- Deprecated alias (one release): it holds the incremental value.
        cast(ranked_offers.segment_incremental_conversion as double) as segment_conversion_rate,
        cast(ranked_offers.predicted_conversion_rate as double) as predicted_conversion_rate,
        ranked_offers.expected_order_value,
        ranked_offers.expected_margin,
        ranked_offers.offer_score,
        as_of.as_of_date
    from ranked_offers
    left join offer_copy
        on
            ranked_offers.rfm_segment = offer_copy.segment_name
            and ranked_offers.product_id = offer_copy.product_id
    cross join as_of
)

select * from final
