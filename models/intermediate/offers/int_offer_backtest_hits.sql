-- The offer backtest, scored per customer: at every fold cut
-- (int_offer_cuts), each customer the ranking scored there (the fold rows of
-- int_offer_lists_ranked) has the ranking's list ('nbo') and the baselines'
-- lists of the same length (int_offer_baseline_lists), and each list is
-- compared with what the customer really bought in [cut_date,
-- window_end_date): the distinct products of their completed sale lines in
-- that window (the relevant products). Customers who bought nothing stay in,
-- with no hit: the lists are judged over everyone who gets offers.
-- Binary relevance (bought the product or not), ranks 1 = best:
--   hit@1, hit@3          a relevant product at rank 1 / in ranks 1-3
--   NDCG@3                DCG = sum over relevant ranks r <= 3 of 1 / log2(r + 1),
--                         divided by the DCG of an ideal list with
--                         min(relevant products, list length, 3) hits on top;
--                         0 when nothing was bought
--   reciprocal rank       1 / the rank of the first relevant product in the
--                         whole list (its length is the playbook's
--                         offers_per_customer, at most a few), 0 if none
--   category hit@1, @3    a product of a category the customer bought in
--   margin hit@3          the summed list-price unit margin (unit_price -
--                         unit_cost, today's catalogue, 0 when the cost is
--                         unknown or the margin negative) of the relevant
--                         products in ranks 1-3: currency units a top 3
--                         "caught"; its mean is the margin-weighted hit@3
-- The discounts 1 / log2(r + 1) are constants: 1, 1 / log2(3) =
-- 0.6309297535714575, 1 / log2(4) = 0.5.

with

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

ranked_lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

baseline_lists as (
    select * from {{ ref('int_offer_baseline_lists') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

fold_cuts as (
    select
        cut_date,
        window_end_date,
        fold_number
    from cuts
    where cut_role = 'fold'
),

nbo_lists as (
    select
        ranked_lists.cut_date,
        ranked_lists.customer_id,
        ranked_lists.rfm_segment,
        ranked_lists.has_purchase_history,
        ranked_lists.offer_rank,
        ranked_lists.product_id
    from ranked_lists
    inner join fold_cuts
        on ranked_lists.cut_date = fold_cuts.cut_date
),

evaluated_customers as (
    select
        nbo_lists.cut_date,
        fold_cuts.window_end_date,
        fold_cuts.fold_number,
        nbo_lists.customer_id,
        nbo_lists.rfm_segment,
        nbo_lists.has_purchase_history,
        count(*) as list_length
    from nbo_lists
    inner join fold_cuts
        on nbo_lists.cut_date = fold_cuts.cut_date
    group by
        nbo_lists.cut_date,
        fold_cuts.window_end_date,
        fold_cuts.fold_number,
        nbo_lists.customer_id,
        nbo_lists.rfm_segment,
        nbo_lists.has_purchase_history
),

all_lists as (
    select
        cut_date,
        customer_id,
        'nbo' as ranking_method,
        true as is_filtered,
        offer_rank,
        product_id
    from nbo_lists

    union all

    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        offer_rank,
        product_id
    from baseline_lists
),

held_out_products as (
    select distinct
        evaluated_customers.cut_date,
        evaluated_customers.customer_id,
        order_lines.product_id
    from evaluated_customers
    inner join order_lines
        on
            evaluated_customers.customer_id = order_lines.customer_id
            and evaluated_customers.cut_date <= order_lines.ordered_date
            and evaluated_customers.window_end_date > order_lines.ordered_date
    where order_lines.line_type = 'sale'
),

held_out_categories as (
    select distinct
        held_out_products.cut_date,
        held_out_products.customer_id,
        products.category
    from held_out_products
    inner join products
        on held_out_products.product_id = products.product_id
),

relevant_counts as (
    select
        cut_date,
        customer_id,
        count(*) as relevant_products
    from held_out_products
    group by cut_date, customer_id
),

list_items_judged as (
    select
        all_lists.cut_date,
        all_lists.customer_id,
        all_lists.ranking_method,
        all_lists.is_filtered,
        all_lists.offer_rank,
        case when held_out_products.product_id is not null then 1 else 0 end as is_product_hit,
        case when held_out_categories.category is not null then 1 else 0 end as is_category_hit,
        case
            when held_out_products.product_id is not null
                then greatest(coalesce(products.unit_price - products.unit_cost, 0), 0)
            else 0
        end as margin_caught,
        case all_lists.offer_rank
            when 1 then 1.0
            when 2 then 0.6309297535714575
            when 3 then 0.5
            else 0.0
        end as rank_discount
    from all_lists
    left join products
        on all_lists.product_id = products.product_id
    left join held_out_products
        on
            all_lists.cut_date = held_out_products.cut_date
            and all_lists.customer_id = held_out_products.customer_id
            and all_lists.product_id = held_out_products.product_id
    left join held_out_categories
        on
            all_lists.cut_date = held_out_categories.cut_date
            and all_lists.customer_id = held_out_categories.customer_id
            and products.category = held_out_categories.category
),

customer_scores as (
    select
        cut_date,
        customer_id,
        ranking_method,
        is_filtered,
        count(*) as list_length_scored,
        max(case when offer_rank = 1 then is_product_hit else 0 end) as is_hit_at_1,
        max(case when offer_rank <= 3 then is_product_hit else 0 end) as is_hit_at_3,
        max(case when offer_rank = 1 then is_category_hit else 0 end) as is_category_hit_at_1,
        max(case when offer_rank <= 3 then is_category_hit else 0 end) as is_category_hit_at_3,
        {{ exact_sum('is_product_hit * rank_discount') }} as dcg_at_3,
        max(case when is_product_hit = 1 then 1.0 / offer_rank else 0.0 end) as reciprocal_rank,
        {{ exact_sum('case when offer_rank <= 3 then margin_caught else 0 end') }}
            as margin_hit_at_3
    from list_items_judged
    group by cut_date, customer_id, ranking_method, is_filtered
),

final as (
    select
        customer_scores.cut_date,
        evaluated_customers.window_end_date,
        cast(evaluated_customers.fold_number as integer) as fold_number,
        customer_scores.customer_id,
        evaluated_customers.rfm_segment,
        evaluated_customers.has_purchase_history,
        customer_scores.ranking_method,
        customer_scores.is_filtered,
        cast(customer_scores.list_length_scored as integer) as list_length,
        cast(coalesce(relevant_counts.relevant_products, 0) as integer) as relevant_products,
        cast(customer_scores.is_hit_at_1 as integer) as is_hit_at_1,
        cast(customer_scores.is_hit_at_3 as integer) as is_hit_at_3,
        -- The ideal DCG: min(relevant, list length, 3) hits at the top ranks.
        coalesce(customer_scores.dcg_at_3 / nullif(
            case least(
                coalesce(relevant_counts.relevant_products, 0), evaluated_customers.list_length, 3
            )
                when 0 then 0.0
                when 1 then 1.0
                when 2 then 1.0 + 0.6309297535714575
                else 1.0 + 0.6309297535714575 + 0.5
            end, 0.0
        ), 0.0) as ndcg_at_3,
        cast(customer_scores.reciprocal_rank as double) as reciprocal_rank,
        cast(customer_scores.is_category_hit_at_1 as integer) as is_category_hit_at_1,
        cast(customer_scores.is_category_hit_at_3 as integer) as is_category_hit_at_3,
        cast(customer_scores.margin_hit_at_3 as double) as margin_hit_at_3
    from customer_scores
    inner join evaluated_customers
        on
            customer_scores.cut_date = evaluated_customers.cut_date
            and customer_scores.customer_id = evaluated_customers.customer_id
    left join relevant_counts
        on
            customer_scores.cut_date = relevant_counts.cut_date
            and customer_scores.customer_id = relevant_counts.customer_id
)

select * from final
