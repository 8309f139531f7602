-- What the copy writer writes for: one row per segment x product actually
-- offered to the segment's customers (int_customer_offers_ranked), with what
-- the copy may say about it and the discount it carries. copy_priority
-- orders a segment's products by how many customers are offered them
-- (1 = most; equal counts: smaller product_id), so a cap on LLM requests
-- (var llm_products_per_segment) spends them where most customers read.
-- Segments x distinct offered products: never customers.

with

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

offered as (
    select
        rfm_segment as segment_name,
        product_id,
        discount_rate,
        count(*) as customers_offered
    from ranked_offers
    group by rfm_segment, product_id, discount_rate
),

final as (
    select
        offered.segment_name,
        offered.product_id,
        products.product_name,
        products.category,
        products.unit_price,
        products.product_description,
        cast(offered.discount_rate as double) as discount_rate,
        cast(offered.customers_offered as bigint) as customers_offered,
        cast(row_number() over (
            partition by offered.segment_name
            order by offered.customers_offered desc, offered.product_id asc
        ) as integer) as copy_priority
    from offered
    inner join products
        on offered.product_id = products.product_id
)

select * from final
