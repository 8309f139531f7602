-- The fixed baselines the offer ranking must beat, at every backtest fold,
-- for every customer the ranking scores there (int_offer_lists_ranked, fold
-- rows), each list as long as that customer's ranked list:
--   global_popularity    the most-bought products (distinct buyers in the
--                        var offer_popularity_days before the cut:
--                        int_offer_product_popularity)
--   segment_popularity   the same among the customers of the customer's
--                        segment at the cut
--   repeat_purchase      the customer's own past products, most purchase
--                        days first, then the most recently bought
--   item_to_item         neighbours of the customer's basket (their
--                        var offer_copurchase_basket_size most recently bought
--                        products) in int_offer_copurchase_neighbours, by
--                        summed similarity
-- A baseline with fewer products than the list needs is filled up with the
-- global popularity list (say, a customer with one past product), so every
-- list has the ranking's length and a baseline never loses for being short.
-- Each baseline comes twice: filtered by the ranking's own rules (the
-- product is allowed for the customer's segment, int_segment_allowed_products,
-- not bought in [cut - var offer_exclude_bought_days, cut), and the diversity
-- rule of macro offer_diversified_lists); stock and
-- capacity are production-only rules, off at folds like for the ranking) and
-- unfiltered (no rule: the cost of the business rules).
-- Everything is known before the cut: purchases strictly before cut_date
-- (int_offer_customer_products, the history the ranking reads too).

-- Built after the capacity passes, never beside them: at 1M customers the
-- two queries side by side spilled each other's memory and took 26 s
-- together against 20 s in turn (the comment only orders the DAG).
-- depends_on: {{ ref('int_customer_offers_ranked') }}

{%- set exclude_days = var('offer_exclude_bought_days') %}
{%- set popularity_days = var('offer_popularity_days') %}
{%- set basket_size = var('offer_copurchase_basket_size') %}

with

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

ranked_lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

product_popularity as (
    select * from {{ ref('int_offer_product_popularity') }}
),

copurchase_neighbours as (
    select * from {{ ref('int_offer_copurchase_neighbours') }}
),

allowed_products as (
    select * from {{ ref('int_segment_allowed_products') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

customer_products as (
    select * from {{ ref('int_offer_customer_products') }}
),

fold_cuts as (
    select
        cut_date,
        month_end_date,
        cast({{ dbt.dateadd('day', -1 * exclude_days, 'cut_date') }} as date)
            as exclude_from_date,
        cast({{ dbt.dateadd('day', -1 * popularity_days, 'cut_date') }} as date)
            as popularity_from_date
    from cuts
    where cut_role = 'fold'
),

-- Purchases only (the history also holds web-only products), at the folds
-- only (the production cut's history is most of the table).
purchased_products as (
    select
        customer_products.cut_date,
        customer_products.customer_id,
        customer_products.product_id,
        customer_products.purchase_days,
        customer_products.last_purchased_date,
        customer_products.is_population_sample
    from customer_products
    inner join fold_cuts
        on customer_products.cut_date = fold_cuts.cut_date
    where customer_products.purchase_days > 0
),

evaluated_customers as (
    select
        ranked_lists.cut_date,
        ranked_lists.customer_id,
        ranked_lists.rfm_segment,
        count(*) as list_length
    from ranked_lists
    inner join fold_cuts
        on ranked_lists.cut_date = fold_cuts.cut_date
    group by ranked_lists.cut_date, ranked_lists.customer_id, ranked_lists.rfm_segment
),

-- The evaluated customers' own purchases before each cut, one row per
-- product (int_offer_customer_products: the var rfm_lookback_days before
-- the cut, the history the ranking itself sees).
customer_product_history as (
    select
        evaluated_customers.cut_date,
        evaluated_customers.customer_id,
        purchased_products.product_id,
        purchased_products.purchase_days,
        purchased_products.last_purchased_date as last_bought_date,
        case
            when purchased_products.last_purchased_date >= fold_cuts.exclude_from_date then 1
            else 0
        end as is_recently_bought
    from evaluated_customers
    inner join fold_cuts
        on evaluated_customers.cut_date = fold_cuts.cut_date
    inner join purchased_products
        on
            evaluated_customers.cut_date = purchased_products.cut_date
            and evaluated_customers.customer_id = purchased_products.customer_id
),

-- How many products a filter can remove for a customer: at most the ones
-- they bought recently. A popularity list of list_length + that many
-- allowed products always leaves list_length after the filter.
customer_lengths as (
    select
        evaluated_customers.cut_date,
        evaluated_customers.customer_id,
        evaluated_customers.rfm_segment,
        evaluated_customers.list_length,
        coalesce(sum(customer_product_history.is_recently_bought), 0) as recently_bought_products
    from evaluated_customers
    left join customer_product_history
        on
            evaluated_customers.cut_date = customer_product_history.cut_date
            and evaluated_customers.customer_id = customer_product_history.customer_id
    group by
        evaluated_customers.cut_date,
        evaluated_customers.customer_id,
        evaluated_customers.rfm_segment,
        evaluated_customers.list_length
),

-- Global popularity, unfiltered (every segment) and per segment over the
-- products the segment allows (segments x catalogue, never customers).
global_ranked_unfiltered as (
    select
        product_popularity.cut_date,
        product_popularity.product_id,
        product_popularity.global_rank as popularity_rank
    from product_popularity
    inner join fold_cuts
        on product_popularity.cut_date = fold_cuts.cut_date
),

global_ranked_allowed as (
    select
        product_popularity.cut_date,
        allowed_products.segment_name,
        product_popularity.product_id,
        row_number() over (
            partition by product_popularity.cut_date, allowed_products.segment_name
            order by product_popularity.global_rank asc, product_popularity.product_id asc
        ) as popularity_rank
    from product_popularity
    inner join fold_cuts
        on product_popularity.cut_date = fold_cuts.cut_date
    inner join allowed_products
        on product_popularity.product_id = allowed_products.product_id
),

-- Popularity within a segment: distinct buyers in the popularity window
-- among the population sample (the customers int_offer_product_popularity
-- counts) whose segment at the cut (the snapshot of the month before it)
-- is the segment; a buyer without a snapshot row has no recent purchases.
window_buyers as (
    select
        fold_cuts.cut_date,
        fold_cuts.month_end_date,
        purchased_products.customer_id,
        purchased_products.product_id
    from purchased_products
    inner join fold_cuts
        on purchased_products.cut_date = fold_cuts.cut_date
    where
        purchased_products.is_population_sample
        and purchased_products.last_purchased_date >= fold_cuts.popularity_from_date
),

segment_buyers as (
    select
        window_buyers.cut_date,
        coalesce(snapshot_scores.rfm_segment, {{ no_recent_purchases_segment() }})
            as segment_name,
        window_buyers.product_id,
        count(*) as segment_buyers
    from window_buyers
    left join snapshot_scores
        on
            window_buyers.month_end_date = snapshot_scores.month_end_date
            and window_buyers.customer_id = snapshot_scores.customer_id
    group by
        window_buyers.cut_date,
        coalesce(snapshot_scores.rfm_segment, {{ no_recent_purchases_segment() }}),
        window_buyers.product_id
),

segment_ranked_unfiltered as (
    select
        cut_date,
        segment_name,
        product_id,
        row_number() over (
            partition by cut_date, segment_name
            order by segment_buyers desc, product_id asc
        ) as popularity_rank
    from segment_buyers
),

segment_ranked_allowed as (
    select
        segment_buyers.cut_date,
        segment_buyers.segment_name,
        segment_buyers.product_id,
        row_number() over (
            partition by segment_buyers.cut_date, segment_buyers.segment_name
            order by segment_buyers.segment_buyers desc, segment_buyers.product_id asc
        ) as popularity_rank
    from segment_buyers
    inner join allowed_products
        on
            segment_buyers.segment_name = allowed_products.segment_name
            and segment_buyers.product_id = allowed_products.product_id
),

-- Item-to-item: the basket, then its neighbours by summed similarity.
customer_baskets as (
    select
        cut_date,
        customer_id,
        product_id
    from (
        select
            cut_date,
            customer_id,
            product_id,
            row_number() over (
                partition by cut_date, customer_id
                order by last_bought_date desc, product_id asc
            ) as basket_rank
        from customer_product_history
    ) as history_ranked
    where basket_rank <= {{ basket_size }}
),

item_to_item_scored as (
    select
        customer_baskets.cut_date,
        customer_baskets.customer_id,
        copurchase_neighbours.neighbour_product_id as product_id,
        {{ exact_sum('copurchase_neighbours.similarity') }} as similarity_score
    from customer_baskets
    inner join copurchase_neighbours
        on
            customer_baskets.cut_date = copurchase_neighbours.cut_date
            and customer_baskets.product_id = copurchase_neighbours.product_id
    group by
        customer_baskets.cut_date,
        customer_baskets.customer_id,
        copurchase_neighbours.neighbour_product_id
),

methods as (
    select 'global_popularity' as ranking_method
    union all
    select 'segment_popularity' as ranking_method
    union all
    select 'repeat_purchase' as ranking_method
    union all
    select 'item_to_item' as ranking_method
),

filter_modes as (
    select true as is_filtered
    union all
    select false as is_filtered
),

-- Each baseline's own candidates per customer, before the rules, with a
-- sort key (smaller first). Segment popularity has its filtered list (over
-- the segment's allowed products) and its unfiltered one; the customer's
-- own products and their neighbours are the same for both modes until the
-- rules below.
own_candidates as (
    select
        customer_lengths.cut_date,
        customer_lengths.customer_id,
        'segment_popularity' as ranking_method,
        false as is_filtered,
        segment_ranked_unfiltered.product_id,
        cast(segment_ranked_unfiltered.popularity_rank as double) as sort_order
    from customer_lengths
    inner join segment_ranked_unfiltered
        on
            customer_lengths.cut_date = segment_ranked_unfiltered.cut_date
            and customer_lengths.rfm_segment = segment_ranked_unfiltered.segment_name
            and segment_ranked_unfiltered.popularity_rank
            <= customer_lengths.list_length + customer_lengths.recently_bought_products

    union all

    select
        customer_lengths.cut_date,
        customer_lengths.customer_id,
        'segment_popularity' as ranking_method,
        true as is_filtered,
        segment_ranked_allowed.product_id,
        cast(segment_ranked_allowed.popularity_rank as double) as sort_order
    from customer_lengths
    inner join segment_ranked_allowed
        on
            customer_lengths.cut_date = segment_ranked_allowed.cut_date
            and customer_lengths.rfm_segment = segment_ranked_allowed.segment_name
            and segment_ranked_allowed.popularity_rank
            <= customer_lengths.list_length + customer_lengths.recently_bought_products

    union all

    select
        customer_product_history.cut_date,
        customer_product_history.customer_id,
        'repeat_purchase' as ranking_method,
        filter_modes.is_filtered,
        customer_product_history.product_id,
        cast(row_number() over (
            partition by
                filter_modes.is_filtered,
                customer_product_history.cut_date,
                customer_product_history.customer_id
            order by
                customer_product_history.purchase_days desc,
                customer_product_history.last_bought_date desc,
                customer_product_history.product_id asc
        ) as double) as sort_order
    from customer_product_history
    cross join filter_modes

    union all

    select
        item_to_item_scored.cut_date,
        item_to_item_scored.customer_id,
        'item_to_item' as ranking_method,
        filter_modes.is_filtered,
        item_to_item_scored.product_id,
        -1.0 * item_to_item_scored.similarity_score as sort_order
    from item_to_item_scored
    cross join filter_modes
),

-- The global popularity list, which is the global_popularity baseline and
-- fills up every other baseline: long enough that after removing the
-- customer's own candidates (at most list_length are kept) and the
-- recently bought products, list_length remain.
popularity_fill as (
    select
        customer_lengths.cut_date,
        customer_lengths.customer_id,
        false as is_filtered,
        global_ranked_unfiltered.product_id,
        global_ranked_unfiltered.popularity_rank
    from customer_lengths
    inner join global_ranked_unfiltered
        on
            customer_lengths.cut_date = global_ranked_unfiltered.cut_date
            and global_ranked_unfiltered.popularity_rank
            <= 2 * customer_lengths.list_length + customer_lengths.recently_bought_products

    union all

    select
        customer_lengths.cut_date,
        customer_lengths.customer_id,
        true as is_filtered,
        global_ranked_allowed.product_id,
        global_ranked_allowed.popularity_rank
    from customer_lengths
    inner join global_ranked_allowed
        on
            customer_lengths.cut_date = global_ranked_allowed.cut_date
            and customer_lengths.rfm_segment = global_ranked_allowed.segment_name
            and global_ranked_allowed.popularity_rank
            <= 2 * customer_lengths.list_length + customer_lengths.recently_bought_products
),

-- A product nominated by the baseline itself and by the fill counts once,
-- at its own place (an anti-join: cheaper than numbering the duplicates).
pooled_candidates as (
    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        product_id,
        0 as fill_order,
        sort_order
    from own_candidates

    union all

    select
        popularity_fill.cut_date,
        popularity_fill.customer_id,
        methods.ranking_method,
        popularity_fill.is_filtered,
        popularity_fill.product_id,
        1 as fill_order,
        cast(popularity_fill.popularity_rank as double) as sort_order
    from popularity_fill
    cross join methods
    left join own_candidates
        on
            popularity_fill.cut_date = own_candidates.cut_date
            and popularity_fill.customer_id = own_candidates.customer_id
            and methods.ranking_method = own_candidates.ranking_method
            and popularity_fill.is_filtered = own_candidates.is_filtered
            and popularity_fill.product_id = own_candidates.product_id
    where own_candidates.product_id is null
),

-- The ranking's rules on the filtered lists: allowed for the customer's
-- segment at the cut, not bought in the exclusion window.
candidates_allowed as (
    select
        pooled_candidates.cut_date,
        pooled_candidates.customer_id,
        pooled_candidates.ranking_method,
        pooled_candidates.is_filtered,
        pooled_candidates.product_id,
        pooled_candidates.fill_order,
        pooled_candidates.sort_order,
        customer_lengths.list_length,
        allowed_products.category
    from pooled_candidates
    inner join customer_lengths
        on
            pooled_candidates.cut_date = customer_lengths.cut_date
            and pooled_candidates.customer_id = customer_lengths.customer_id
    left join allowed_products
        on
            customer_lengths.rfm_segment = allowed_products.segment_name
            and pooled_candidates.product_id = allowed_products.product_id
    left join customer_product_history
        on
            pooled_candidates.cut_date = customer_product_history.cut_date
            and pooled_candidates.customer_id = customer_product_history.customer_id
            and pooled_candidates.product_id = customer_product_history.product_id
    where
        not pooled_candidates.is_filtered
        or (
            allowed_products.product_id is not null
            and coalesce(customer_product_history.is_recently_bought, 0) = 0
        )
),

-- Filtered lists follow the ranking's diversity rule too (the same macro);
-- unfiltered ones are the baseline's own order.
lists_ranked as (
    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        product_id,
        fill_order,
        list_length,
        offer_rank
    from (
        {{ offer_diversified_lists(
            '(select * from candidates_allowed where is_filtered)',
            list_columns=['cut_date', 'customer_id', 'ranking_method', 'is_filtered'],
            order_by='fill_order asc, sort_order asc',
            length_column='list_length',
        ) }}
    ) as diversified

    union all

    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        product_id,
        fill_order,
        list_length,
        row_number() over (
            partition by cut_date, customer_id, ranking_method, is_filtered
            order by fill_order asc, sort_order asc, product_id asc
        ) as offer_rank
    from candidates_allowed
    where not is_filtered
),

final as (
    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        cast(offer_rank as integer) as offer_rank,
        product_id,
        fill_order = 1 and ranking_method != 'global_popularity' as is_popularity_fill
    from lists_ranked
    where offer_rank <= list_length
)

select * from final
