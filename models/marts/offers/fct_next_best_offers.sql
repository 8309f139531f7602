-- One row per contactable customer per offer rank: the ranking of
-- int_customer_offers_ranked, published with the as-of date. Whether the
-- customer is actually sent the rank-1 offer is the contact policy's call
-- (dim_customers.contact_status, fct_campaign_audience).

with

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
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
        ranked_offers.headline,
        ranked_offers.body,
        ranked_offers.sms,
        ranked_offers.copy_source,
        ranked_offers.fallback_reason,
        ranked_offers.reason_code,
        cast(ranked_offers.segment_incremental_conversion as double)
            as segment_incremental_conversion,
        cast(ranked_offers.affinity_lift as double) as affinity_lift,
        cast(ranked_offers.predicted_incremental_conversion as double)
            as predicted_incremental_conversion,
        -- Deprecated aliases (one release): they now hold the incremental values.
        cast(ranked_offers.segment_incremental_conversion as double) as segment_conversion_rate,
        cast(ranked_offers.predicted_incremental_conversion as double) as predicted_conversion_rate,
        ranked_offers.expected_order_value,
        ranked_offers.expected_margin,
        ranked_offers.offer_score,
        as_of.as_of_date
    from ranked_offers
    cross join as_of
)

select * from final
