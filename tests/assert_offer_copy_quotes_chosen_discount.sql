-- Every offered (segment, product) pair has exactly one copy row, and the copy
-- is written for the discount the offer carries: the pair's discount in
-- int_segment_offered_products, which is its segment's chosen discount
-- (int_segment_discounts_chosen). So no headline or SMS quotes a discount the
-- customer will not get, and no offer goes out without copy.

with

offer_copy as (
    select * from {{ ref('int_segment_offer_copy') }}
),

offered_products as (
    select * from {{ ref('int_segment_offered_products') }}
),

discounts as (
    select * from {{ ref('int_segment_discounts_chosen') }}
),

copy_against_offers as (
    select
        coalesce(offer_copy.segment_name, offered_products.segment_name) as segment_name,
        coalesce(offer_copy.product_id, offered_products.product_id) as product_id,
        offer_copy.discount_rate as copy_discount_rate,
        offered_products.discount_rate as offered_discount_rate,
        discounts.discount_rate as chosen_discount_rate,
        case
            when offered_products.product_id is null then 'copy_for_a_pair_not_offered'
            when offer_copy.product_id is null then 'offered_pair_without_copy'
            when discounts.segment_name is null then 'segment_without_chosen_discount'
            when abs(offer_copy.discount_rate - offered_products.discount_rate) > 1e-9
                then 'copy_discount_is_not_the_offered_one'
            when abs(offer_copy.discount_rate - discounts.discount_rate) > 1e-9
                then 'copy_discount_is_not_the_chosen_one'
        end as problem
    from offer_copy
    full outer join offered_products
        on
            offer_copy.segment_name = offered_products.segment_name
            and offer_copy.product_id = offered_products.product_id
    left join discounts
        on coalesce(offer_copy.segment_name, offered_products.segment_name) = discounts.segment_name
),

copy_problems as (
    select * from copy_against_offers
    where problem is not null
)

select * from copy_problems
