-- The products each segment may be offered, best first: the short list the
-- copy writer (template or LLM) chooses among. Business rules, all from the
-- playbook and vars: enough stock, a lifecycle stage the segment allows, and
-- a margin above the floor even at the segment's largest discount (so the
-- short list does not change when the learned discount does). Ranked by the
-- segment's shrunk incremental conversion uplift on the category, floored
-- at 0 (int_segment_category_uplift)
-- times the margin (or revenue) at the segment's chosen discount
-- (int_segment_discounts_chosen); equal scores go to the larger margin.
-- Pruning here, per segment, keeps the per-customer ranking small: customers
-- only ever see these products.

{%- set basis = var('offer_score_basis') %}

with

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

discounts as (
    select * from {{ ref('int_segment_discounts_chosen') }}
),

category_uplift as (
    select * from {{ ref('int_segment_category_uplift') }}
),

allowed as (
    select
        playbook.segment_name,
        playbook.min_discount_rate,
        playbook.max_discount_rate,
        discounts.discount_rate,
        products.product_id,
        products.product_name,
        products.category,
        products.lifecycle_stage,
        products.unit_price,
        products.unit_cost,
        products.inventory_qty,
        products.product_description
    from playbook
    inner join discounts
        on playbook.segment_name = discounts.segment_name
    cross join products
    where
        products.inventory_qty >= {{ var('offer_min_inventory') }}
        and products.unit_price is not null
        and products.unit_cost is not null
        and '|' || playbook.allowed_lifecycle_stages || '|'
        like '%|' || products.lifecycle_stage || '|%'
        and products.unit_price * (1 - playbook.max_discount_rate) - products.unit_cost
        >= {{ var('offer_min_margin_rate') }}
        * products.unit_price * (1 - playbook.max_discount_rate)
),

valued as (
    select
        allowed.*,
        category_uplift.incremental_conversion as segment_incremental_conversion,
        allowed.unit_price * (1 - allowed.discount_rate)
        {%- if basis == 'margin' %} - allowed.unit_cost{% endif %} as offer_value
    from allowed
    inner join category_uplift
        on
            allowed.segment_name = category_uplift.segment_name
            and allowed.category = category_uplift.category
),

scored as (
    select
        *,
        segment_incremental_conversion * offer_value as segment_offer_score
    from valued
),

ranked as (
    select
        *,
        row_number() over (
            partition by segment_name
            order by segment_offer_score desc, offer_value desc, product_id asc
        ) as candidate_rank
    from scored
),

shortlisted as (
    select * from ranked
    where candidate_rank <= {{ var('offer_candidates_per_segment') }}
)

select * from shortlisted
