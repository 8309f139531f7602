-- The copy is written for the discount the offer carries: every copy row's
-- discount is its segment's chosen discount (int_segment_discounts_chosen,
-- handed to the copy writer as the brief's range), so no headline or SMS
-- quotes a discount the customer will not get.

with

offer_copy as (
    select * from {{ ref('int_segment_offer_copy') }}
),

discounts as (
    select * from {{ ref('int_segment_discounts_chosen') }}
),

copy_with_other_discount as (
    select
        offer_copy.segment_name,
        offer_copy.offer_slot,
        offer_copy.discount_rate as copy_discount_rate,
        discounts.discount_rate as chosen_discount_rate
    from offer_copy
    left join discounts
        on offer_copy.segment_name = discounts.segment_name
    where
        discounts.segment_name is null
        or abs(offer_copy.discount_rate - discounts.discount_rate) > 1e-9
)

select * from copy_with_other_discount
