-- The products each playbook segment may be offered: business rules that
-- filter, never score. A lifecycle stage the segment's playbook allows; a
-- known price and cost; and a margin of at least var('offer_min_margin_rate')
-- of the price even at the segment's largest discount (so the allowed set
-- does not change when the learned discount does). is_in_stock (at least
-- var('offer_min_inventory') units) is a column, not a filter: stock applies
-- at the production cut only (the catalogue has no history, and today's
-- stock would leak the future into the backtest).
--
-- The offer carries the segment's chosen discount
-- (int_segment_discounts_chosen, always inside the playbook range);
-- offer_value is the margin at it (or the revenue, var offer_score_basis),
-- and value_percentile its percent rank among the segment's allowed
-- products: the bounded value multiplier of the offer score reads it.

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

allowed as (
    select
        playbook.segment_name,
        products.product_id,
        products.category,
        products.lifecycle_stage,
        products.unit_price,
        products.unit_cost,
        products.inventory_qty,
        coalesce(products.inventory_qty >= {{ var('offer_min_inventory') }}, false)
            as is_in_stock,
        cast(discounts.discount_rate as double) as discount_rate,
        cast(products.unit_price * (1 - discounts.discount_rate) as double)
            as expected_order_value,
        cast(products.unit_price * (1 - discounts.discount_rate) - products.unit_cost as double)
            as expected_margin
    from playbook
    inner join discounts
        on playbook.segment_name = discounts.segment_name
    cross join products
    where
        products.unit_price is not null
        and products.unit_cost is not null
        and '|' || playbook.allowed_lifecycle_stages || '|'
        like '%|' || products.lifecycle_stage || '|%'
        and products.unit_price * (1 - playbook.max_discount_rate) - products.unit_cost
        >= {{ var('offer_min_margin_rate') }}
        * products.unit_price * (1 - playbook.max_discount_rate)
),

valued as (
    select
        *,
        {%- if basis == 'margin' %}
        expected_margin as offer_value
        {%- else %}
        expected_order_value as offer_value
        {%- endif %}
    from allowed
),

final as (
    select
        *,
        cast(
            percent_rank() over (partition by segment_name order by offer_value)
            as double
        ) as value_percentile
    from valued
)

select * from final
