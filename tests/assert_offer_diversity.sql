-- Diversity: in each customer's first var('offer_diversity_top_n') offers,
-- at most var('offer_max_per_category') products of one category, in the
-- published offers and in every backtest fold's lists.

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

top_offers as (
    select
        cast('fct_next_best_offers' as {{ dbt.type_string() }}) as source_model,
        as_of_date as cut_date,
        customer_id,
        category
    from offers
    where offer_rank <= {{ var('offer_diversity_top_n') }}

    union all

    select
        cast('int_offer_lists_ranked' as {{ dbt.type_string() }}) as source_model,
        cut_date,
        customer_id,
        category
    from lists
    where offer_rank <= {{ var('offer_diversity_top_n') }}
),

crowded_categories as (
    select
        source_model,
        cut_date,
        customer_id,
        category,
        count(*) as offers_in_category
    from top_offers
    group by source_model, cut_date, customer_id, category
    having count(*) > {{ var('offer_max_per_category') }}
)

select * from crowded_categories
