-- "Bought X, also bought Y", per cut, from the population sample's purchases
-- before the cut. A customer's basket is their
-- var('offer_copurchase_basket_size') most recently bought distinct products
-- (which bounds the pairs per customer); two products are co-bought when one
-- basket holds both. similarity = co_buyers / sqrt(buyers_x x buyers_y)
-- (cosine of the two buyer sets), over pairs with at least two co-buyers (a
-- single shared customer is chance). Each product keeps its
-- var('offer_copurchase_neighbours') most similar neighbours (ties: more
-- co-buyers, then the smaller product_id).

with

customer_products as (
    select * from {{ ref('int_offer_customer_products') }}
),

baskets as (
    select * from (
        select
            cut_date,
            customer_id,
            product_id,
            row_number() over (
                partition by cut_date, customer_id
                order by last_purchased_date desc, product_id asc
            ) as basket_position
        from customer_products
        where is_population_sample and purchase_days > 0
    ) as positioned
    where basket_position <= {{ var('offer_copurchase_basket_size') }}
),

basket_buyers as (
    select
        cut_date,
        product_id,
        count(*) as buyers
    from baskets
    group by cut_date, product_id
),

pairs as (
    select
        baskets.cut_date,
        baskets.product_id,
        neighbours.product_id as neighbour_product_id,
        count(*) as co_buyers
    from baskets
    inner join baskets as neighbours
        on
            baskets.cut_date = neighbours.cut_date
            and baskets.customer_id = neighbours.customer_id
            and baskets.product_id != neighbours.product_id
    group by baskets.cut_date, baskets.product_id, neighbours.product_id
    having count(*) >= 2
),

scored as (
    select
        pairs.cut_date,
        pairs.product_id,
        pairs.neighbour_product_id,
        cast(pairs.co_buyers as bigint) as co_buyers,
        pairs.co_buyers / sqrt(cast(product_buyers.buyers as double) * neighbour_buyers.buyers)
            as similarity
    from pairs
    inner join basket_buyers as product_buyers
        on
            pairs.cut_date = product_buyers.cut_date
            and pairs.product_id = product_buyers.product_id
    inner join basket_buyers as neighbour_buyers
        on
            pairs.cut_date = neighbour_buyers.cut_date
            and pairs.neighbour_product_id = neighbour_buyers.product_id
),

ranked as (
    select
        *,
        cast(row_number() over (
            partition by cut_date, product_id
            order by similarity desc, co_buyers desc, neighbour_product_id asc
        ) as integer) as neighbour_rank
    from scored
),

kept as (
    select * from ranked
    where neighbour_rank <= {{ var('offer_copurchase_neighbours') }}
)

select * from kept
