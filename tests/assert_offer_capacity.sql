-- Capacity: no product is offered to more customers than its stock can
-- serve at their predicted conversion:
-- var('offer_capacity_safety_factor') x the sum of predicted_conversion_rate
-- over its offers <= inventory_qty (a hair of tolerance for the last bit of
-- a double sum).

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

product_demand as (
    select
        product_id,
        count(*) as offers,
        sum(coalesce(predicted_conversion_rate, 0)) as predicted_conversions
    from offers
    group by product_id
),

over_capacity as (
    select
        product_demand.product_id,
        product_demand.offers,
        product_demand.predicted_conversions,
        products.inventory_qty
    from product_demand
    left join products
        on product_demand.product_id = products.product_id
    where
        products.inventory_qty is null
        or {{ var('offer_capacity_safety_factor') }} * product_demand.predicted_conversions
        > products.inventory_qty + 1e-6
)

select * from over_capacity
