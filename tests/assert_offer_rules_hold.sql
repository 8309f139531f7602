-- Every offer keeps the business rules (README, "Next Best Offers"): a
-- lifecycle stage the segment's playbook allows, a margin of at least
-- var('offer_min_margin_rate') of the price at the segment's largest
-- discount, stock of at least var('offer_min_inventory'), a discount inside
-- the playbook range, and a product the customer did not buy in the
-- var('offer_exclude_bought_days') days before the as-of date. Checked
-- against the catalogue, the playbook and the order lines directly, not
-- against the ranking's own allowed list.

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

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

recently_bought as (
    select distinct
        order_lines.customer_id,
        order_lines.product_id
    from order_lines
    inner join as_of
        on
            order_lines.ordered_date < as_of.as_of_date
            and order_lines.ordered_date >= cast(
                {{ dbt.dateadd('day', -1 * var('offer_exclude_bought_days'), 'as_of.as_of_date') }}
                as date
            )
    where order_lines.line_type = 'sale'
),

offers_breaking_rules as (
    select
        offers.customer_id,
        offers.offer_rank,
        offers.product_id,
        offers.discount_rate,
        products.lifecycle_stage,
        products.inventory_qty,
        case
            when playbook.segment_name is null then 'segment_not_in_playbook'
            when products.product_id is null then 'unknown_product'
            when
                '|' || playbook.allowed_lifecycle_stages || '|'
                not like '%|' || products.lifecycle_stage || '|%'
                then 'lifecycle_not_allowed'
            when
                products.unit_price * (1 - playbook.max_discount_rate) - products.unit_cost
                < {{ var('offer_min_margin_rate') }}
                * products.unit_price * (1 - playbook.max_discount_rate) - 1e-9
                or products.unit_cost is null
                then 'below_margin_floor'
            when
                products.inventory_qty is null
                or products.inventory_qty < {{ var('offer_min_inventory') }}
                then 'out_of_stock'
            when
                offers.discount_rate < playbook.min_discount_rate - 1e-9
                or offers.discount_rate > playbook.max_discount_rate + 1e-9
                then 'discount_outside_playbook'
            when recently_bought.product_id is not null then 'bought_recently'
        end as broken_rule
    from offers
    left join playbook
        on offers.rfm_segment = playbook.segment_name
    left join products
        on offers.product_id = products.product_id
    left join recently_bought
        on
            offers.customer_id = recently_bought.customer_id
            and offers.product_id = recently_bought.product_id
),

broken as (
    select * from offers_breaking_rules
    where broken_rule is not null
)

select * from broken
