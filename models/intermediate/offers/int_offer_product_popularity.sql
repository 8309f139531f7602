-- How popular each product is at each cut, from the purchases of the
-- population sample before the cut (int_offer_customer_products): distinct
-- buyers in the var('offer_popularity_days') before the cut (recent_buyers),
-- its share of its category's recent buyers (popularity_share), its rank in
-- its category and overall (more recent buyers first, then the smaller
-- product_id), and the repurchase rate that lets the repeat source
-- nominate it: the share of its buyers in the lookback window who bought it
-- on two or more days. One row per cut x product bought by the sample in
-- the lookback window.

with

customer_products as (
    select * from {{ ref('int_offer_customer_products') }}
),

product_buyers as (
    select
        cut_date,
        product_id,
        category,
        count(
            case
                when last_purchased_date >= cast(
                    {{ dbt.dateadd('day', -1 * var('offer_popularity_days'), 'cut_date') }} as date
                ) then 1
            end
        ) as recent_buyers,
        count(*) as buyers,
        count(case when purchase_days >= 2 then 1 end) as repeat_buyers
    from customer_products
    where is_population_sample and purchase_days > 0
    group by cut_date, product_id, category
),

ranked as (
    select
        cut_date,
        product_id,
        category,
        cast(recent_buyers as bigint) as recent_buyers,
        cast(buyers as bigint) as buyers,
        cast(repeat_buyers as bigint) as repeat_buyers,
        cast(repeat_buyers as double) / buyers as repurchase_rate,
        cast(recent_buyers as double)
        / nullif(sum(recent_buyers) over (partition by cut_date, category), 0) as popularity_share,
        cast(row_number() over (
            partition by cut_date, category
            order by recent_buyers desc, product_id asc
        ) as integer) as rank_in_category,
        cast(row_number() over (
            partition by cut_date
            order by recent_buyers desc, product_id asc
        ) as integer) as global_rank
    from product_buyers
)

select * from ranked
