-- What the offer ranking learns from past campaigns: per segment x offer
-- category, the shrunk incremental conversion uplift (int_segment_uplift),
-- floored at 0, so a product is never ranked up for a negative effect (a
-- negative effect ranks like none). One source for the short list
-- (int_segment_offer_candidates) and the per-customer ranking
-- (int_customer_offers_ranked).

with

uplift as (
    select * from {{ ref('int_segment_uplift') }}
),

category_uplift as (
    select
        segment_name,
        offer_category as category,
        greatest(coalesce(shrunk_conversion_uplift, 0), 0) as incremental_conversion
    from uplift
    where breakdown = 'offer_category'
)

select * from category_uplift
