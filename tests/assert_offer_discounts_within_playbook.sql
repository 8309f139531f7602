-- Every offered discount lies inside its segment's playbook range, and every
-- offered product is in stock above the threshold: the LLM can never push an
-- offer outside the business rules.

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

offers_breaking_rules as (
    select
        offers.customer_id,
        offers.offer_rank,
        offers.product_id,
        offers.discount_rate,
        playbook.min_discount_rate,
        playbook.max_discount_rate,
        products.inventory_qty
    from offers
    left join playbook
        on offers.rfm_segment = playbook.segment_name
    left join products
        on offers.product_id = products.product_id
    where
        playbook.segment_name is null
        or offers.discount_rate < playbook.min_discount_rate - 1e-9
        or offers.discount_rate > playbook.max_discount_rate + 1e-9
        or products.inventory_qty is null
        or products.inventory_qty < {{ var('offer_min_inventory') }}
)

select * from offers_breaking_rules
