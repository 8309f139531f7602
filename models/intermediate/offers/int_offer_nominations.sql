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
-- One row per cut x customer x product with the nominating sources; the
-- features and the calibration cell come in int_offer_candidates (split from
-- it so that neither query holds every join at once: at 1M customers one
-- query ran out of DuckDB's 3GB).

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

-- Every source reads only what ranked customers bought (narrow: at 1M
-- customers this is the largest input, read three times).
ranked_history as (
    select
        customer_products.cut_date,
        customer_products.customer_id,
        customer_products.product_id,
        customer_products.purchase_days,
        customer_products.last_purchased_date,
        cut_customers.rfm_segment
    from customer_products
    inner join cut_customers
        on
            customer_products.cut_date = cut_customers.cut_date
            and customer_products.customer_id = cut_customers.customer_id
    where customer_products.purchase_days > 0
),

recently_bought as (
    select
        cut_date,
        customer_id,
        product_id
    from ranked_history
    where
        last_purchased_date >= cast(
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

-- The customer x category pairs where the customer recently bought one of
-- the category's favourites (few): only these need the favourites skipped.
category_exclusions as (
    select distinct
        recently_bought.cut_date,
        recently_bought.customer_id,
        segment_category_favourites.category
    from recently_bought
    inner join cut_customers
        on
            recently_bought.cut_date = cut_customers.cut_date
            and recently_bought.customer_id = cut_customers.customer_id
    inner join segment_category_favourites
        on
            recently_bought.cut_date = segment_category_favourites.cut_date
            and cut_customers.rfm_segment = segment_category_favourites.segment_name
            and recently_bought.product_id = segment_category_favourites.product_id
),

customer_categories as (
    select
        cut_customers.cut_date,
        cut_customers.customer_id,
        cut_customers.rfm_segment,
        affinity.category
    from cut_customers
    inner join affinity
        on
            cut_customers.cut_date = affinity.cut_date
            and cut_customers.customer_id = affinity.customer_id
            and affinity.category_rank <= {{ var('offer_candidate_categories') }}
),

-- Without an exclusion the category's first favourites; with one, the
-- first that were not bought recently (a window over the few such pairs).
category_nominees as (
    select
        customer_categories.cut_date,
        customer_categories.customer_id,
        segment_category_favourites.product_id
    from customer_categories
    inner join segment_category_favourites
        on
            customer_categories.cut_date = segment_category_favourites.cut_date
            and customer_categories.rfm_segment = segment_category_favourites.segment_name
            and customer_categories.category = segment_category_favourites.category
            and segment_category_favourites.favourite_position <= {{ per_category }}
    left join category_exclusions
        on
            customer_categories.cut_date = category_exclusions.cut_date
            and customer_categories.customer_id = category_exclusions.customer_id
            and customer_categories.category = category_exclusions.category
    where category_exclusions.customer_id is null

    union all

    select
        cut_date,
        customer_id,
        product_id
    from (
        select
            customer_categories.cut_date,
            customer_categories.customer_id,
            segment_category_favourites.product_id,
            row_number() over (
                partition by
                    customer_categories.cut_date,
                    customer_categories.customer_id,
                    customer_categories.category
                order by segment_category_favourites.favourite_position
            ) as source_position
        from customer_categories
        inner join category_exclusions
            on
                customer_categories.cut_date = category_exclusions.cut_date
                and customer_categories.customer_id = category_exclusions.customer_id
                and customer_categories.category = category_exclusions.category
        inner join segment_category_favourites
            on
                customer_categories.cut_date = segment_category_favourites.cut_date
                and customer_categories.rfm_segment = segment_category_favourites.segment_name
                and customer_categories.category = segment_category_favourites.category
        left join recently_bought
            on
                customer_categories.cut_date = recently_bought.cut_date
                and customer_categories.customer_id = recently_bought.customer_id
                and segment_category_favourites.product_id = recently_bought.product_id
        where recently_bought.product_id is null
    ) as positioned
    where source_position <= {{ per_category }}
),

-- Co-purchase source. The neighbours a segment may be offered are joined
-- first (a few thousand rows), so the large basket x neighbour product
-- needs no further join to the customer or the catalogue.
baskets as (
    select * from (
        select
            cut_date,
            customer_id,
            rfm_segment,
            product_id,
            row_number() over (
                partition by cut_date, customer_id
                order by last_purchased_date desc, product_id asc
            ) as basket_position
        from ranked_history
    ) as positioned
    where basket_position <= {{ var('offer_copurchase_basket_size') }}
),

segment_neighbours as (
    select
        neighbours.cut_date,
        eligible.segment_name,
        neighbours.product_id,
        neighbours.neighbour_product_id,
        cast(neighbours.similarity as decimal(18, 12)) as similarity
    from neighbours
    inner join eligible
        on
            neighbours.cut_date = eligible.cut_date
            and neighbours.neighbour_product_id = eligible.product_id
),

copurchase_scores as (
    select
        baskets.cut_date,
        baskets.customer_id,
        segment_neighbours.neighbour_product_id as product_id,
        sum(segment_neighbours.similarity) as copurchase_similarity
    from baskets
    inner join segment_neighbours
        on
            baskets.cut_date = segment_neighbours.cut_date
            and baskets.rfm_segment = segment_neighbours.segment_name
            and baskets.product_id = segment_neighbours.product_id
    group by baskets.cut_date, baskets.customer_id, segment_neighbours.neighbour_product_id
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
            popularity.repurchase_rate >= {{ var('offer_repeat_min_rate') }}
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
)

select * from nominated
