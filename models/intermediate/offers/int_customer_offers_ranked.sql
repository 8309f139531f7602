-- Every ranked customer's offers at the production cut after the capacity
-- rule: no product goes to more customers than its stock can serve at their
-- predicted conversion. Within a product, offers compete in priority order
-- (offer_score desc, then hash_fraction(customer_id), then customer_id) and
-- are accepted while
--
--   var('offer_capacity_safety_factor') x cumulative predicted_conversion_rate
--       <= inventory_qty - what earlier passes already granted.
--
-- var('offer_capacity_passes') passes: a rejected offer leaves that
-- customer's candidates, the customer's list is formed again from the rest
-- (int_offer_candidates_scored, diversified as in int_offer_lists_ranked:
-- macro offer_diversified_lists), and its new
-- offers compete for what stock is left. Offers accepted in a pass keep
-- their stock. After the last pass the offers still rejected are dropped,
-- and the list is diversified once more (a dropped offer must not pull a
-- second product of a category into the first ranks). A customer left with
-- none is capacity_exhausted (int_customer_contact_policy). allocation_pass
-- is the pass an offer was accepted in (1 = first choice).
--
-- The order-independent cumulative sums are exact decimals (doubles added
-- in the engine's order could differ in the last bit and flip a tie).
--
-- Whether an offer goes out, and the discount, are not decided here:
-- predicted_incremental_conversion (the segment x category shrunk uplift of
-- int_segment_category_uplift x the customer's affinity lift, capped at 1)
-- is what the contact policy reasons about.

{%- set passes = var('offer_capacity_passes') %}
{%- set factor = var('offer_capacity_safety_factor') %}
{#- What the passes carry of a candidate (see production_candidates). -#}
{%- set allocation_columns = [
    'cut_date', 'customer_id', 'product_id', 'category',
    'offers_wanted', 'offer_score', 'predicted_conversion_rate',
] %}

with

lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

category_uplift as (
    select * from {{ ref('int_segment_category_uplift') }}
),

scored as (
    select * from {{ ref('int_offer_candidates_scored') }}
),

-- The passes carry only what allocation needs (at 1M customers the wide
-- candidate rows cost more to sort than the allocation itself); the other
-- columns join back once, to the offers kept. Read apart from `scored` so
-- the wide rows are never materialised whole.
production_candidates as (
    select
        {{ allocation_columns | join(', ') }}
    from {{ ref('int_offer_candidates_scored') }}
    where cut_role = 'production'
),

-- The priority draw once per customer, not per candidate (a sha256 each).
customer_priorities as (
    select
        customer_id,
        {{ hash_fraction('customer_id') }} as priority_draw
    from (
        select distinct customer_id
        from lists
        where cut_role = 'production'
    ) as listed_customers
),

{%- for pass in range(1, passes + 1) %}

{%- if pass == 1 %}

list_1 as (
    select
        {{ allocation_columns | join(', ') }}
    from lists
    where cut_role = 'production'
),

new_1 as (
    select * from list_1
),

{%- else %}

list_{{ pass }}_candidates as (
    select production_candidates.*
    from production_candidates
    inner join affected_{{ pass - 1 }}
        on production_candidates.customer_id = affected_{{ pass - 1 }}.customer_id
    left join rejected_{{ pass - 1 }}
        on
            production_candidates.customer_id = rejected_{{ pass - 1 }}.customer_id
            and production_candidates.product_id = rejected_{{ pass - 1 }}.product_id
    where rejected_{{ pass - 1 }}.product_id is null
),

list_{{ pass }} as (
    select
        {{ allocation_columns | join(', ') }}
    from ({{ offer_diversified_lists('list_' ~ pass ~ '_candidates') }}) as diversified
),

new_{{ pass }} as (
    select list_{{ pass }}.*
    from list_{{ pass }}
    left join accepted_{{ pass - 1 }}
        on
            list_{{ pass }}.customer_id = accepted_{{ pass - 1 }}.customer_id
            and list_{{ pass }}.product_id = accepted_{{ pass - 1 }}.product_id
    where accepted_{{ pass - 1 }}.product_id is null
),

granted_{{ pass - 1 }} as (
    select
        product_id,
        sum(cast(coalesce(predicted_conversion_rate, 0) as decimal(18, 12))) as granted_conversions
    from accepted_{{ pass - 1 }}
    group by product_id
),

{%- endif %}

decided_{{ pass }} as (
    select
        new_{{ pass }}.customer_id,
        new_{{ pass }}.product_id,
        new_{{ pass }}.predicted_conversion_rate,
        {{ factor }} * (
            {%- if pass > 1 %}
            coalesce(granted_{{ pass - 1 }}.granted_conversions, 0) +
            {%- endif %}
            sum(cast(coalesce(new_{{ pass }}.predicted_conversion_rate, 0) as decimal(18, 12)))
                over (
                    partition by new_{{ pass }}.product_id
                    order by
                        new_{{ pass }}.offer_score desc,
                        customer_priorities.priority_draw asc,
                        new_{{ pass }}.customer_id asc
                    rows between unbounded preceding and current row
                )
        ) <= products.inventory_qty as is_accepted
    from new_{{ pass }}
    inner join customer_priorities
        on new_{{ pass }}.customer_id = customer_priorities.customer_id
    inner join products
        on new_{{ pass }}.product_id = products.product_id
    {%- if pass > 1 %}
    left join granted_{{ pass - 1 }}
        on new_{{ pass }}.product_id = granted_{{ pass - 1 }}.product_id
    {%- endif %}
),

accepted_{{ pass }} as (
    {%- if pass > 1 %}
    select * from accepted_{{ pass - 1 }}
    union all
    {%- endif %}
    select
        customer_id,
        product_id,
        predicted_conversion_rate,
        {{ pass }} as allocation_pass
    from decided_{{ pass }}
    where is_accepted
),

rejected_{{ pass }} as (
    {%- if pass > 1 %}
    select * from rejected_{{ pass - 1 }}
    union all
    {%- endif %}
    select
        customer_id,
        product_id
    from decided_{{ pass }}
    where not is_accepted
),

affected_{{ pass }} as (
    select distinct customer_id
    from decided_{{ pass }}
    where not is_accepted
),

{%- endfor %}

-- A customer's last list: the list of the pass after which nothing of
-- theirs was rejected (or of the last pass).
last_lists as (
    {%- for pass in range(1, passes) %}
    select list_{{ pass }}.*
    from list_{{ pass }}
    left join affected_{{ pass }}
        on list_{{ pass }}.customer_id = affected_{{ pass }}.customer_id
    where affected_{{ pass }}.customer_id is null
    union all
    {%- endfor %}
    select list_{{ passes }}.*
    from list_{{ passes }}
),

allocated as (
    select
        last_lists.*,
        accepted_{{ passes }}.allocation_pass
    from last_lists
    inner join accepted_{{ passes }}
        on
            last_lists.customer_id = accepted_{{ passes }}.customer_id
            and last_lists.product_id = accepted_{{ passes }}.product_id
),

allocated_lists as (
    select
        scored.*,
        diversified.offer_rank,
        diversified.allocation_pass
    from ({{ offer_diversified_lists('allocated') }}) as diversified
    inner join scored
        on
            diversified.cut_date = scored.cut_date
            and diversified.customer_id = scored.customer_id
            and diversified.product_id = scored.product_id
),

final as (
    select
        allocated_lists.customer_id,
        allocated_lists.offer_rank,
        allocated_lists.rfm_segment,
        allocated_lists.product_id,
        products.product_name,
        allocated_lists.category,
        playbook.objective as offer_type,
        allocated_lists.offer_channel as channel,
        allocated_lists.discount_rate,
        allocated_lists.reason_code,
        allocated_lists.candidate_sources,
        allocated_lists.feature_key,
        cast(allocated_lists.allocation_pass as integer) as allocation_pass,
        cast(allocated_lists.affinity_lift as double) as affinity_lift,
        cast(coalesce(category_uplift.incremental_conversion, 0) as double)
            as segment_incremental_conversion,
        cast(least(
            1.0, coalesce(category_uplift.incremental_conversion, 0) * allocated_lists.affinity_lift
        ) as double) as predicted_incremental_conversion,
        cast(allocated_lists.predicted_conversion_rate as double) as predicted_conversion_rate,
        cast(allocated_lists.expected_order_value as double) as expected_order_value,
        cast(allocated_lists.expected_margin as double) as expected_margin,
        cast(allocated_lists.offer_score as double) as offer_score
    from allocated_lists
    inner join products
        on allocated_lists.product_id = products.product_id
    inner join playbook
        on allocated_lists.rfm_segment = playbook.segment_name
    left join category_uplift
        on
            allocated_lists.rfm_segment = category_uplift.segment_name
            and allocated_lists.category = category_uplift.category
)

select * from final
