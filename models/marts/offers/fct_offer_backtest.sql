-- How good are the offers? The backtest of the ranking against fixed
-- baselines (int_offer_backtest_hits scores every list per customer), per
-- fold and over all folds pooled (fold_number 0), for customers with
-- purchase history and apart for those without (a cold-start list is a
-- different question and would blur the headline).
-- The headline comparison: every method against the best filtered baseline
-- (the filtered baseline with the highest pooled hit@3 over customers with
-- history; ties by name): the mean of the per-(cut, customer) paired
-- differences of hit@3, with a normal 95 % interval whose variance is
-- clustered by customer (a customer appears at several folds, so their
-- rows are not independent: macro clustered_mean_interval).
-- Coverage: the catalogue has no history, so it is the distinct products
-- offered over today's catalogue size (int_products_validated), not the
-- in-stock share the production mart can report.

with

backtest_hits as (
    select * from {{ ref('int_offer_backtest_hits') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

baseline_lists as (
    select * from {{ ref('int_offer_baseline_lists') }}
),

ranked_lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

hits_grouped as (
    select
        fold_number,
        cut_date,
        window_end_date,
        case when has_purchase_history then 'with_history' else 'no_history' end
            as customer_group,
        customer_id,
        ranking_method,
        is_filtered,
        list_length,
        relevant_products,
        is_hit_at_1,
        is_hit_at_3,
        ndcg_at_3,
        reciprocal_rank,
        is_category_hit_at_3,
        margin_hit_at_3
    from backtest_hits
),

-- Every scored row counts in its fold and in the pooled row (fold 0).
hits_scoped as (
    select * from hits_grouped
    union all
    select
        0 as fold_number,
        cast(null as date) as cut_date,
        cast(null as date) as window_end_date,
        customer_group,
        customer_id,
        ranking_method,
        is_filtered,
        list_length,
        relevant_products,
        is_hit_at_1,
        is_hit_at_3,
        ndcg_at_3,
        reciprocal_rank,
        is_category_hit_at_3,
        margin_hit_at_3
    from hits_grouped
),

method_metrics as (
    select
        fold_number,
        max(cut_date) as cut_date,
        max(window_end_date) as window_end_date,
        customer_group,
        ranking_method,
        is_filtered,
        count(*) as customers_evaluated,
        count(distinct customer_id) as distinct_customers,
        sum(case when relevant_products > 0 then 1 else 0 end) as customers_with_purchases,
        sum(list_length) as offers,
        sum(is_hit_at_1) as hits_at_1,
        sum(is_hit_at_3) as hits_at_3,
        sum(case when relevant_products > 0 then is_hit_at_3 else 0 end) as buyer_hits_at_3,
        sum(is_category_hit_at_3) as category_hits_at_3,
        {{ exact_sum('ndcg_at_3') }} as ndcg_at_3_total,
        {{ exact_sum('reciprocal_rank') }} as reciprocal_rank_total,
        {{ exact_sum('margin_hit_at_3') }} as margin_hit_at_3_total
    from hits_scoped
    group by fold_number, customer_group, ranking_method, is_filtered
),

-- The offered products of every list, for coverage and concentration.
all_offers as (
    select
        backtest_hits.fold_number,
        case when backtest_hits.has_purchase_history then 'with_history' else 'no_history' end
            as customer_group,
        'nbo' as ranking_method,
        true as is_filtered,
        ranked_lists.product_id
    from ranked_lists
    inner join backtest_hits
        on
            ranked_lists.cut_date = backtest_hits.cut_date
            and ranked_lists.customer_id = backtest_hits.customer_id
            and backtest_hits.ranking_method = 'nbo'

    union all

    select
        backtest_hits.fold_number,
        case when backtest_hits.has_purchase_history then 'with_history' else 'no_history' end
            as customer_group,
        baseline_lists.ranking_method,
        baseline_lists.is_filtered,
        baseline_lists.product_id
    from baseline_lists
    inner join backtest_hits
        on
            baseline_lists.cut_date = backtest_hits.cut_date
            and baseline_lists.customer_id = backtest_hits.customer_id
            and baseline_lists.ranking_method = backtest_hits.ranking_method
            and baseline_lists.is_filtered = backtest_hits.is_filtered
),

product_offers as (
    select
        fold_number,
        customer_group,
        ranking_method,
        is_filtered,
        product_id,
        count(*) as product_offers
    from all_offers
    group by fold_number, customer_group, ranking_method, is_filtered, product_id

    union all

    select
        0 as fold_number,
        customer_group,
        ranking_method,
        is_filtered,
        product_id,
        count(*) as product_offers
    from all_offers
    group by customer_group, ranking_method, is_filtered, product_id
),

offer_spread as (
    select
        fold_number,
        customer_group,
        ranking_method,
        is_filtered,
        count(*) as distinct_products_offered,
        max(product_offers) as top_product_offers
    from product_offers
    group by fold_number, customer_group, ranking_method, is_filtered
),

catalogue as (
    select count(*) as catalogue_products
    from products
),

-- The best filtered baseline: highest pooled hit@3 over customers with history.
best_baseline as (
    select ranking_method as best_baseline_method
    from (
        select
            ranking_method,
            row_number() over (
                order by hits_at_3 * 1.0 / customers_evaluated desc, ranking_method asc
            ) as baseline_order
        from method_metrics
        where
            fold_number = 0
            and customer_group = 'with_history'
            and is_filtered
            and ranking_method != 'nbo'
    ) as baselines_ordered
    where baseline_order = 1
),

baseline_hits as (
    select
        hits_grouped.fold_number,
        hits_grouped.cut_date,
        hits_grouped.customer_id,
        hits_grouped.is_hit_at_3
    from hits_grouped
    inner join best_baseline
        on hits_grouped.ranking_method = best_baseline.best_baseline_method
    where hits_grouped.is_filtered
),

-- Paired per-(cut, customer) differences, matched within the fold, then
-- counted in their fold and in the pooled row.
paired_differences as (
    select
        hits_grouped.fold_number,
        hits_grouped.customer_group,
        hits_grouped.ranking_method,
        hits_grouped.is_filtered,
        hits_grouped.customer_id,
        hits_grouped.is_hit_at_3 - baseline_hits.is_hit_at_3 as hit_at_3_difference
    from hits_grouped
    inner join baseline_hits
        on
            hits_grouped.fold_number = baseline_hits.fold_number
            and hits_grouped.cut_date = baseline_hits.cut_date
            and hits_grouped.customer_id = baseline_hits.customer_id
),

paired_scoped as (
    select * from paired_differences
    union all
    select
        0 as fold_number,
        customer_group,
        ranking_method,
        is_filtered,
        customer_id,
        hit_at_3_difference
    from paired_differences
),

difference_intervals as (
    {{ clustered_mean_interval(
        'paired_scoped',
        'hit_at_3_difference',
        'customer_id',
        ['fold_number', 'customer_group', 'ranking_method', 'is_filtered'],
    ) }}
),

final as (
    select
        cast(method_metrics.fold_number as integer) as fold_number,
        method_metrics.cut_date,
        method_metrics.window_end_date,
        cast(method_metrics.customer_group as {{ dbt.type_string() }}) as customer_group,
        cast(method_metrics.ranking_method as {{ dbt.type_string() }}) as ranking_method,
        method_metrics.is_filtered,
        cast(method_metrics.customers_evaluated as bigint) as customers_evaluated,
        cast(method_metrics.distinct_customers as bigint) as distinct_customers,
        cast(method_metrics.customers_with_purchases as bigint) as customers_with_purchases,
        cast(method_metrics.offers as bigint) as offers,
        {{ safe_divide('method_metrics.hits_at_1', 'method_metrics.customers_evaluated') }}
            as hit_at_1_rate,
        {{ safe_divide('method_metrics.hits_at_3', 'method_metrics.customers_evaluated') }}
            as hit_at_3_rate,
        {{ safe_divide(
            'method_metrics.buyer_hits_at_3', 'method_metrics.customers_with_purchases'
        ) }}
            as buyer_hit_at_3_rate,
        {{ safe_divide('method_metrics.ndcg_at_3_total', 'method_metrics.customers_evaluated') }}
            as ndcg_at_3,
        {{ safe_divide(
            'method_metrics.reciprocal_rank_total', 'method_metrics.customers_evaluated'
        ) }}
            as mean_reciprocal_rank,
        {{ safe_divide('method_metrics.category_hits_at_3', 'method_metrics.customers_evaluated') }}
            as category_hit_at_3_rate,
        {{ safe_divide(
            'method_metrics.margin_hit_at_3_total', 'method_metrics.customers_evaluated'
        ) }}
            as margin_weighted_hit_at_3,
        cast(offer_spread.distinct_products_offered as bigint) as distinct_products_offered,
        cast(catalogue.catalogue_products as bigint) as catalogue_products,
        {{ safe_divide('offer_spread.distinct_products_offered', 'catalogue.catalogue_products') }}
            as catalogue_coverage_rate,
        {{ safe_divide('offer_spread.top_product_offers', 'method_metrics.offers') }}
            as top_product_offer_share,
        cast(best_baseline.best_baseline_method as {{ dbt.type_string() }}) as compared_with_method,
        method_metrics.is_filtered
        and method_metrics.ranking_method = best_baseline.best_baseline_method
            as is_best_filtered_baseline,
        difference_intervals.mean_value as hit_at_3_difference,
        difference_intervals.std_error as hit_at_3_difference_std_error,
        difference_intervals.ci_lower as hit_at_3_difference_ci_lower,
        difference_intervals.ci_upper as hit_at_3_difference_ci_upper,
        cast(difference_intervals.clusters as bigint) as difference_clusters
    from method_metrics
    cross join catalogue
    cross join best_baseline
    inner join offer_spread
        on
            method_metrics.fold_number = offer_spread.fold_number
            and method_metrics.customer_group = offer_spread.customer_group
            and method_metrics.ranking_method = offer_spread.ranking_method
            and method_metrics.is_filtered = offer_spread.is_filtered
    left join difference_intervals
        on
            method_metrics.fold_number = difference_intervals.fold_number
            and method_metrics.customer_group = difference_intervals.customer_group
            and method_metrics.ranking_method = difference_intervals.ranking_method
            and method_metrics.is_filtered = difference_intervals.is_filtered
)

select * from final
