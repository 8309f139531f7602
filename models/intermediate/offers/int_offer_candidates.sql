-- The products worth ranking for each ranked customer at each cut: a few per
-- source, never customers x catalogue. Sources:
--   category_affinity  the customer's var('offer_candidate_categories') top
--                      categories by smoothed share (int_offer_category_affinity)
--                      and in each the var('offer_products_per_category') most
--                      popular products (int_offer_product_popularity);
--   co_purchase        the neighbours (int_offer_copurchase_neighbours) of the
--                      customer's var('offer_copurchase_basket_size') most
--                      recently bought products, by summed similarity, top
--                      var('offer_copurchase_candidates');
--   repeat_purchase    the customer's own past products that buyers do buy
--                      again (repurchase rate >= var('offer_repeat_min_rate')),
--                      top var('offer_repeat_candidates') by purchase days,
--                      then recency.
-- Every source nominates only products its customer may get: allowed for
-- the customer's segment at the cut (int_segment_allowed_products; in stock
-- at the production cut only) and not bought in the
-- var('offer_exclude_bought_days') before the cut. The category source takes
-- its products from each category's 2 x var('offer_products_per_category')
-- most popular allowed ones, so a customer who bought more than that many of
-- them within the exclusion window gets fewer from that category.
--
-- One row per cut x customer x product, with the features the calibration
-- (int_offer_calibration) groups by. The main one is expected_share, the
-- share of the customer's next purchases this product would get if they
-- shopped their categories like everyone else: the customer's smoothed
-- share of the product's category x the product's share of its category's
-- recent buyers ("affinity x popularity"); the calibration turns it into a
-- probability per feature_key: whether the customer bought the product
-- before, and how many distinct products the customer bought in the
-- lookback window (0, 1, 2-3, 4-7, 8+: how active a buyer they are, which
-- sets the level of all their probabilities but not their order). The
-- nominating sources are not in the key: on the demo's six folds, cells
-- split by source reordered products by noise and cost 3 to 5 points of
-- hit@3 against ordering by expected_share. reason_code is the single source with the strongest
-- evidence: repeat_purchase (they bought it) over co_purchase (they bought
-- its neighbours) over category_affinity.

{%- set per_category = var('offer_products_per_category') %}

with

cut_customers as (
    select * from {{ ref('int_offer_cut_customers') }}
),

customer_products as (
    select * from {{ ref('int_offer_customer_products') }}
),

affinity as (
    select * from {{ ref('int_offer_category_affinity') }}
),

popularity as (
    select * from {{ ref('int_offer_product_popularity') }}
),

neighbours as (
    select * from {{ ref('int_offer_copurchase_neighbours') }}
),

allowed as (
    select * from {{ ref('int_segment_allowed_products') }}
),

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

-- What a segment may be offered at a cut: stock only counts at production.
eligible as (
    select
        cuts.cut_date,
        allowed.segment_name,
        allowed.product_id,
        allowed.category,
        allowed.discount_rate,
        allowed.expected_order_value,
        allowed.expected_margin,
        allowed.value_percentile
    from cuts
    cross join allowed
    where cuts.cut_role != 'production' or allowed.is_in_stock
),

ranked_history as (
    select
        customer_products.*,
        cut_customers.rfm_segment
    from customer_products
    inner join cut_customers
        on
            customer_products.cut_date = cut_customers.cut_date
            and customer_products.customer_id = cut_customers.customer_id
),

recently_bought as (
    select
        cut_date,
        customer_id,
        product_id
    from ranked_history
    where
        purchase_days > 0
        and last_purchased_date >= cast(
            {{ dbt.dateadd('day', -1 * var('offer_exclude_bought_days'), 'cut_date') }} as date
        )
),

-- Category source.
segment_category_favourites as (
    select * from (
        select
            eligible.cut_date,
            eligible.segment_name,
            eligible.category,
            eligible.product_id,
            row_number() over (
                partition by eligible.cut_date, eligible.segment_name, eligible.category
                order by coalesce(popularity.recent_buyers, 0) desc, eligible.product_id asc
            ) as favourite_position
        from eligible
        left join popularity
            on
                eligible.cut_date = popularity.cut_date
                and eligible.product_id = popularity.product_id
    ) as positioned
    where favourite_position <= {{ 2 * per_category }}
),

category_nominees as (
    select * from (
        select
            cut_customers.cut_date,
            cut_customers.customer_id,
            segment_category_favourites.product_id,
            row_number() over (
                partition by
                    cut_customers.cut_date, cut_customers.customer_id, affinity.category
                order by segment_category_favourites.favourite_position
            ) as source_position
        from cut_customers
        inner join affinity
            on
                cut_customers.cut_date = affinity.cut_date
                and cut_customers.customer_id = affinity.customer_id
                and affinity.category_rank <= {{ var('offer_candidate_categories') }}
        inner join segment_category_favourites
            on
                cut_customers.cut_date = segment_category_favourites.cut_date
                and cut_customers.rfm_segment = segment_category_favourites.segment_name
                and affinity.category = segment_category_favourites.category
        left join recently_bought
            on
                cut_customers.cut_date = recently_bought.cut_date
                and cut_customers.customer_id = recently_bought.customer_id
                and segment_category_favourites.product_id = recently_bought.product_id
        where recently_bought.product_id is null
    ) as positioned
    where source_position <= {{ per_category }}
),

-- Co-purchase source.
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
        from ranked_history
        where purchase_days > 0
    ) as positioned
    where basket_position <= {{ var('offer_copurchase_basket_size') }}
),

copurchase_scores as (
    select
        baskets.cut_date,
        baskets.customer_id,
        neighbours.neighbour_product_id as product_id,
        sum(cast(neighbours.similarity as decimal(18, 12))) as copurchase_similarity
    from baskets
    inner join neighbours
        on
            baskets.cut_date = neighbours.cut_date
            and baskets.product_id = neighbours.product_id
    group by baskets.cut_date, baskets.customer_id, neighbours.neighbour_product_id
),

copurchase_nominees as (
    select * from (
        select
            copurchase_scores.cut_date,
            copurchase_scores.customer_id,
            copurchase_scores.product_id,
            copurchase_scores.copurchase_similarity,
            row_number() over (
                partition by copurchase_scores.cut_date, copurchase_scores.customer_id
                order by
                    copurchase_scores.copurchase_similarity desc, copurchase_scores.product_id asc
            ) as source_position
        from copurchase_scores
        inner join cut_customers
            on
                copurchase_scores.cut_date = cut_customers.cut_date
                and copurchase_scores.customer_id = cut_customers.customer_id
        inner join eligible
            on
                copurchase_scores.cut_date = eligible.cut_date
                and cut_customers.rfm_segment = eligible.segment_name
                and copurchase_scores.product_id = eligible.product_id
        left join recently_bought
            on
                copurchase_scores.cut_date = recently_bought.cut_date
                and copurchase_scores.customer_id = recently_bought.customer_id
                and copurchase_scores.product_id = recently_bought.product_id
        where recently_bought.product_id is null
    ) as positioned
    where source_position <= {{ var('offer_copurchase_candidates') }}
),

-- Repeat source.
repeat_nominees as (
    select * from (
        select
            ranked_history.cut_date,
            ranked_history.customer_id,
            ranked_history.product_id,
            row_number() over (
                partition by ranked_history.cut_date, ranked_history.customer_id
                order by
                    ranked_history.purchase_days desc,
                    ranked_history.last_purchased_date desc,
                    ranked_history.product_id asc
            ) as source_position
        from ranked_history
        inner join popularity
            on
                ranked_history.cut_date = popularity.cut_date
                and ranked_history.product_id = popularity.product_id
        inner join eligible
            on
                ranked_history.cut_date = eligible.cut_date
                and ranked_history.rfm_segment = eligible.segment_name
                and ranked_history.product_id = eligible.product_id
        left join recently_bought
            on
                ranked_history.cut_date = recently_bought.cut_date
                and ranked_history.customer_id = recently_bought.customer_id
                and ranked_history.product_id = recently_bought.product_id
        where
            ranked_history.purchase_days > 0
            and popularity.repurchase_rate >= {{ var('offer_repeat_min_rate') }}
            and recently_bought.product_id is null
    ) as positioned
    where source_position <= {{ var('offer_repeat_candidates') }}
),

nominations as (
    select
        cut_date,
        customer_id,
        product_id,
        1 as from_category,
        0 as from_copurchase,
        0 as from_repeat,
        0.0 as copurchase_similarity
    from category_nominees
    union all
    select
        cut_date,
        customer_id,
        product_id,
        0 as from_category,
        1 as from_copurchase,
        0 as from_repeat,
        copurchase_similarity
    from copurchase_nominees
    union all
    select
        cut_date,
        customer_id,
        product_id,
        0 as from_category,
        0 as from_copurchase,
        1 as from_repeat,
        0.0 as copurchase_similarity
    from repeat_nominees
),

nominated as (
    select
        cut_date,
        customer_id,
        product_id,
        max(from_category) = 1 as is_from_category,
        max(from_copurchase) = 1 as is_from_copurchase,
        max(from_repeat) = 1 as is_from_repeat,
        max(copurchase_similarity) as copurchase_similarity
    from nominations
    group by cut_date, customer_id, product_id
),

customer_activity as (
    select
        cut_date,
        customer_id,
        count(case when purchase_days > 0 then 1 end) as products_bought
    from ranked_history
    group by cut_date, customer_id
),

customer_signal as (
    select
        cut_date,
        customer_id,
        signal_total
    from affinity
    where category_rank = 1
),

featured as (
    select
        nominated.cut_date,
        cut_customers.cut_role,
        nominated.customer_id,
        cut_customers.rfm_segment,
        cut_customers.offer_channel,
        cut_customers.has_purchase_history,
        cut_customers.offers_wanted,
        nominated.product_id,
        eligible.category,
        nominated.is_from_category,
        nominated.is_from_copurchase,
        nominated.is_from_repeat,
        affinity.category_rank,
        coalesce(
            affinity.affinity_lift,
            case
                when customer_signal.signal_total > 0 then {{ var('affinity_lift_min') }}
                else 1.0
            end
        ) as affinity_lift,
        coalesce(affinity.smoothed_share, 0.0) * coalesce(popularity.popularity_share, 0.0)
            as expected_share,
        coalesce(ranked_history.purchase_days, 0) as purchase_days,
        coalesce(customer_activity.products_bought, 0) as customer_products_bought
    from nominated
    inner join cut_customers
        on
            nominated.cut_date = cut_customers.cut_date
            and nominated.customer_id = cut_customers.customer_id
    inner join eligible
        on
            nominated.cut_date = eligible.cut_date
            and cut_customers.rfm_segment = eligible.segment_name
            and nominated.product_id = eligible.product_id
    left join affinity
        on
            nominated.cut_date = affinity.cut_date
            and nominated.customer_id = affinity.customer_id
            and eligible.category = affinity.category
    left join customer_signal
        on
            nominated.cut_date = customer_signal.cut_date
            and nominated.customer_id = customer_signal.customer_id
    left join popularity
        on
            nominated.cut_date = popularity.cut_date
            and nominated.product_id = popularity.product_id
    left join ranked_history
        on
            nominated.cut_date = ranked_history.cut_date
            and nominated.customer_id = ranked_history.customer_id
            and nominated.product_id = ranked_history.product_id
    left join customer_activity
        on
            nominated.cut_date = customer_activity.cut_date
            and nominated.customer_id = customer_activity.customer_id
),

final as (
    select
        cut_date,
        cut_role,
        customer_id,
        rfm_segment,
        offer_channel,
        has_purchase_history,
        offers_wanted,
        product_id,
        category,
        is_from_category,
        is_from_copurchase,
        is_from_repeat,
        category_rank,
        affinity_lift,
        expected_share,
        purchase_days,
        cast(
            case when is_from_category then 'category_affinity' else '' end
            || case when is_from_category and is_from_copurchase then '|' else '' end
            || case when is_from_copurchase then 'co_purchase' else '' end
            || case
                when (is_from_category or is_from_copurchase) and is_from_repeat then '|' else ''
            end
            || case when is_from_repeat then 'repeat_purchase' else '' end
            as {{ dbt.type_string() }}
        ) as candidate_sources,
        cast(
            case
                when is_from_repeat then 'repeat_purchase'
                when is_from_copurchase then 'co_purchase'
                else 'category_affinity'
            end as {{ dbt.type_string() }}
        ) as reason_code,
        cast(
            case when purchase_days > 0 then 'bought' else 'new' end
            || ' buyer of ' || case
                when customer_products_bought = 0 then '0'
                when customer_products_bought = 1 then '1'
                when customer_products_bought <= 3 then '2-3'
                when customer_products_bought <= 7 then '4-7'
                else '8+'
            end
            as {{ dbt.type_string() }}
        ) as feature_key
    from featured
)

select * from final
