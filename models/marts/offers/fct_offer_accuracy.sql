-- Did offers hit? Two evaluations, one table:
--   campaign_offer   campaign members (treatment and control) and whether
--                    they bought the offered product / its category within
--                    the attribution window; offer_rank 1 (a campaign sends
--                    one offer). Control shows the base rate the offer must beat.
--   nbo_backtest /   the offer ranking on held-out purchases
--   popularity_      (int_offer_backtest_hits) against the global popularity
--   baseline         baseline under the same rules (its filtered list of the
--                    same length): hit rate @1 and @3 among the customers
--                    who bought something in the held-out window (as
--                    before), all backtest folds pooled (each customer and
--                    fold counts once), customers with purchase history
--                    only, by segment at the cut.
--                    Pooled because a single month of the demo is small and
--                    the headline of fct_offer_backtest pools the folds too;
--                    fct_offer_backtest has every fold and every baseline.

with

attributed_members as (
    select * from {{ ref('int_campaign_members_attributed') }}
),

backtest_hits as (
    select * from {{ ref('int_offer_backtest_hits') }}
),

campaign_offers as (
    select
        'campaign_offer' as evaluation,
        coalesce(segment_at_send, 'Unknown') as segment_name,
        experiment_group,
        1 as offer_rank,
        count(*) as customers_evaluated,
        sum(case when has_bought_offered_product then 1 else 0 end) as product_hits,
        sum(case when has_bought_offered_category then 1 else 0 end) as category_hits
    from attributed_members
    where offer_product_id is not null
    group by coalesce(segment_at_send, 'Unknown'), experiment_group
),

backtest_compared as (
    select
        case when ranking_method = 'nbo' then 'nbo_backtest' else 'popularity_baseline' end
            as evaluation,
        rfm_segment,
        is_hit_at_1,
        is_hit_at_3,
        is_category_hit_at_1,
        is_category_hit_at_3
    from backtest_hits
    where
        has_purchase_history
        and relevant_products > 0
        and is_filtered
        and ranking_method in ('nbo', 'global_popularity')
),

backtest_at_1 as (
    select
        evaluation,
        rfm_segment as segment_name,
        'all' as experiment_group,
        1 as offer_rank,
        count(*) as customers_evaluated,
        sum(is_hit_at_1) as product_hits,
        sum(is_category_hit_at_1) as category_hits
    from backtest_compared
    group by evaluation, rfm_segment
),

backtest_at_3 as (
    select
        evaluation,
        rfm_segment as segment_name,
        'all' as experiment_group,
        3 as offer_rank,
        count(*) as customers_evaluated,
        sum(is_hit_at_3) as product_hits,
        sum(is_category_hit_at_3) as category_hits
    from backtest_compared
    group by evaluation, rfm_segment
),

evaluations as (
    select * from campaign_offers
    union all
    select * from backtest_at_1
    union all
    select * from backtest_at_3
),

final as (
    select
        evaluation,
        segment_name,
        experiment_group,
        cast(offer_rank as integer) as offer_rank,
        cast(customers_evaluated as bigint) as customers_evaluated,
        cast(product_hits as bigint) as product_hits,
        cast(category_hits as bigint) as category_hits,
        {{ safe_divide('product_hits', 'customers_evaluated') }} as product_hit_rate,
        {{ safe_divide('category_hits', 'customers_evaluated') }} as category_hit_rate
    from evaluations
)

select * from final
