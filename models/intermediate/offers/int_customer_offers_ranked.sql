-- Every contactable customer's offers, ranked, on the customer's offer
-- channel (int_customers_contactable.offer_channel: the first channel of the
-- segment's playbook preference list the customer consented to; a customer
-- with none gets no offer). Candidates are the products
-- the copy writer approved for the customer's segment (a handful per
-- segment, so this never becomes customers x catalogue), minus products the
-- customer bought in the last var('offer_exclude_bought_days') days.
--
--   predicted incremental conversion
--          = the segment x category shrunk incremental conversion uplift
--            floored at 0 (int_segment_category_uplift: never ranked up
--            for a negative effect) x the customer's affinity lift on the
--            category, capped at 1
--   score  = predicted incremental conversion x expected margin
--            (or x expected order value: var offer_score_basis); equal
--            scores go to the larger value, then the smaller product id
--
-- The discount is the segment's chosen one (int_segment_discounts_chosen);
-- the copy was written for it (int_segment_offer_briefs hands the copy
-- writer that single discount), tests/assert_offer_copy_quotes_chosen_discount.sql.
--
-- A customer with no signal at all gets lift 1 (no evidence either way); one
-- with signals elsewhere gets the floor lift on untouched categories.

{%- set value_column = (
    'expected_margin' if var('offer_score_basis') == 'margin' else 'expected_order_value'
) %}

with

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

offer_copy as (
    select * from {{ ref('int_segment_offer_copy') }}
),

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

affinity as (
    select * from {{ ref('int_customer_category_affinity') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

customers_with_signals as (
    select distinct customer_id from affinity
),

recently_bought as (
    select distinct
        order_lines.customer_id,
        order_lines.product_id
    from order_lines
    cross join as_of
    where
        order_lines.line_type = 'sale'
        and order_lines.ordered_date >= cast(
            {{ dbt.dateadd('day', -1 * var('offer_exclude_bought_days'), 'as_of.as_of_date') }}
            as date
        )
        and order_lines.ordered_date < as_of.as_of_date
),

candidate_pairs as (
    select
        contactable.customer_id,
        contactable.rfm_segment,
        offer_copy.offer_slot,
        offer_copy.product_id,
        discounts.discount_rate,
        offer_copy.headline,
        offer_copy.body,
        offer_copy.sms,
        offer_copy.copy_source,
        offer_copy.fallback_reason,
        products.product_name,
        products.category,
        products.unit_price,
        products.unit_cost,
        products.inventory_qty,
        playbook.objective,
        contactable.offer_channel as channel,
        playbook.offers_per_customer,
        category_uplift.incremental_conversion as segment_incremental_conversion,
        case
            when affinity.affinity_lift is not null then affinity.affinity_lift
            when customers_with_signals.customer_id is not null then {{ var('affinity_lift_min') }}
            else 1.0
        end as affinity_lift
    from contactable
    inner join offer_copy
        on contactable.rfm_segment = offer_copy.segment_name
    inner join products
        on offer_copy.product_id = products.product_id
    inner join playbook
        on contactable.rfm_segment = playbook.segment_name
    inner join discounts
        on contactable.rfm_segment = discounts.segment_name
    inner join category_uplift
        on
            contactable.rfm_segment = category_uplift.segment_name
            and products.category = category_uplift.category
    left join affinity
        on
            contactable.customer_id = affinity.customer_id
            and products.category = affinity.category
    left join customers_with_signals
        on contactable.customer_id = customers_with_signals.customer_id
    left join recently_bought
        on
            contactable.customer_id = recently_bought.customer_id
            and offer_copy.product_id = recently_bought.product_id
    where contactable.offer_channel is not null and recently_bought.customer_id is null
),

scored as (
    select
        *,
        least(1.0, coalesce(segment_incremental_conversion * affinity_lift, 0.0))
            as predicted_incremental_conversion,
        unit_price * (1 - discount_rate) as expected_order_value,
        unit_price * (1 - discount_rate) - unit_cost as expected_margin
    from candidate_pairs
),

ranked as (
    select
        *,
        predicted_incremental_conversion * {{ value_column }} as offer_score,
        row_number() over (
            partition by customer_id
            order by
                predicted_incremental_conversion * {{ value_column }} desc,
                {{ value_column }} desc,
                product_id asc
        ) as offer_rank
    from scored
),

final as (
    select
        customer_id,
        cast(offer_rank as integer) as offer_rank,
        rfm_segment,
        product_id,
        product_name,
        category,
        objective as offer_type,
        channel,
        discount_rate,
        headline,
        body,
        sms,
        copy_source,
        fallback_reason,
        affinity_lift,
        segment_incremental_conversion,
        predicted_incremental_conversion,
        cast(expected_order_value as double) as expected_order_value,
        cast(expected_margin as double) as expected_margin,
        cast(offer_score as double) as offer_score,
        case
            when affinity_lift > 1 then 'category_affinity' else 'segment_conversion'
        end as reason_code
    from ranked
    where offer_rank <= offers_per_customer
)

select * from final
