-- What the offers learn from past campaigns: per segment x offer category,
-- the shrunk incremental conversion uplift (int_segment_uplift), floored at
-- 0 (a negative effect counts like none). int_customer_offers_ranked publishes it
-- beside each offer (segment_incremental_conversion and, x the customer's
-- affinity lift, predicted_incremental_conversion) for the contact decision.

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
