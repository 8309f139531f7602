-- A backtest of the offer ranking on held-out purchases. The cut is the
-- second-newest month end of int_rfm_snapshots, so the held-out window is
-- [cut, as_of) — about a month. For every customer scored at the cut who
-- bought something in the window, we rank products two ways using only what
-- was known at the cut for the customer (their segment then):
--   nbo         the segment's candidate ranking (int_segment_offer_candidates:
--               playbook rules, closed-loop conversion x margin)
--   popularity  the products sold most in the 90 days before the cut
-- and record whether the customer bought the rank-1 product or any of the
-- top 3 (and the same for their categories). Limits, stated rather than
-- hidden: the catalogue (stock, lifecycle) and campaign conversion rates are
-- today's, and per-customer affinity is not part of this backtest yet.

with

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

candidates as (
    select * from {{ ref('int_segment_offer_candidates') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

cut as (
    select
        snapshots.month_end_date,
        snapshots.snapshot_as_of_date as cut_date,
        as_of.as_of_date
    from snapshots
    cross join as_of
    where snapshots.snapshot_number = 11
),

held_out_purchases as (
    select distinct
        order_lines.customer_id,
        order_lines.product_id,
        products.category
    from order_lines
    inner join products
        on order_lines.product_id = products.product_id
    cross join cut
    where
        order_lines.line_type = 'sale'
        and order_lines.ordered_date >= cut.cut_date
        and order_lines.ordered_date < cut.as_of_date
),

evaluated_customers as (
    select distinct
        snapshot_scores.customer_id,
        snapshot_scores.rfm_segment
    from snapshot_scores
    inner join cut
        on snapshot_scores.month_end_date = cut.month_end_date
    inner join held_out_purchases
        on snapshot_scores.customer_id = held_out_purchases.customer_id
),

popularity_ranked as (
    select
        order_lines.product_id,
        row_number() over (order by count(*) desc, order_lines.product_id asc) as product_rank
    from order_lines
    cross join cut
    where
        order_lines.line_type = 'sale'
        and order_lines.ordered_date < cut.cut_date
        and order_lines.ordered_date
        >= cast({{ dbt.dateadd('day', -90, 'cut.cut_date') }} as date)
    group by order_lines.product_id
),

recommendations as (
    select
        'nbo' as ranking_method,
        evaluated_customers.customer_id,
        evaluated_customers.rfm_segment,
        candidates.candidate_rank as product_rank,
        candidates.product_id
    from evaluated_customers
    inner join candidates
        on evaluated_customers.rfm_segment = candidates.segment_name
    where candidates.candidate_rank <= 3

    union all

    select
        'popularity' as ranking_method,
        evaluated_customers.customer_id,
        evaluated_customers.rfm_segment,
        popularity_ranked.product_rank,
        popularity_ranked.product_id
    from evaluated_customers
    cross join popularity_ranked
    where popularity_ranked.product_rank <= 3
),

recommendation_hits as (
    select
        recommendations.ranking_method,
        recommendations.customer_id,
        recommendations.rfm_segment,
        recommendations.product_rank,
        max(case when bought_product.product_id is not null then 1 else 0 end) as is_product_hit,
        max(case when bought_category.category is not null then 1 else 0 end) as is_category_hit
    from recommendations
    left join products as recommended_products
        on recommendations.product_id = recommended_products.product_id
    left join held_out_purchases as bought_product
        on
            recommendations.customer_id = bought_product.customer_id
            and recommendations.product_id = bought_product.product_id
    left join held_out_purchases as bought_category
        on
            recommendations.customer_id = bought_category.customer_id
            and recommended_products.category = bought_category.category
    group by
        recommendations.ranking_method,
        recommendations.customer_id,
        recommendations.rfm_segment,
        recommendations.product_rank
),

customer_hits as (
    select
        ranking_method,
        customer_id,
        rfm_segment,
        max(case when product_rank = 1 then is_product_hit else 0 end) as is_hit_at_1,
        max(is_product_hit) as is_hit_at_3,
        max(case when product_rank = 1 then is_category_hit else 0 end) as is_category_hit_at_1,
        max(is_category_hit) as is_category_hit_at_3
    from recommendation_hits
    group by ranking_method, customer_id, rfm_segment
)

select * from customer_hits
