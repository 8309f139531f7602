-- The candidates of int_offer_nominations with their features.
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

with

cut_customers as (
    select * from {{ ref('int_offer_cut_customers') }}
),

nominated as (
    select * from {{ ref('int_offer_nominations') }}
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

allowed as (
    select * from {{ ref('int_segment_allowed_products') }}
),

-- Narrow projections before the joins: at 1M customers the history and
-- affinity tables hold millions of rows each.
purchased as (
    select
        cut_date,
        customer_id,
        product_id,
        purchase_days
    from customer_products
    where purchase_days > 0
),

customer_activity as (
    select
        cut_date,
        customer_id,
        count(*) as products_bought
    from purchased
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

-- One row per ranked customer and cut with everything customer-level.
customers_featured as (
    select
        cut_customers.cut_date,
        cut_customers.cut_role,
        cut_customers.customer_id,
        cut_customers.rfm_segment,
        cut_customers.offer_channel,
        cut_customers.has_purchase_history,
        cut_customers.offers_wanted,
        coalesce(customer_activity.products_bought, 0) as products_bought,
        coalesce(customer_signal.signal_total, 0) as signal_total
    from cut_customers
    left join customer_activity
        on
            cut_customers.cut_date = customer_activity.cut_date
            and cut_customers.customer_id = customer_activity.customer_id
    left join customer_signal
        on
            cut_customers.cut_date = customer_signal.cut_date
            and cut_customers.customer_id = customer_signal.customer_id
),

category_shares as (
    select
        cut_date,
        customer_id,
        category,
        category_rank,
        affinity_lift,
        smoothed_share
    from affinity
),

featured as (
    select
        nominated.cut_date,
        customers_featured.cut_role,
        nominated.customer_id,
        customers_featured.rfm_segment,
        customers_featured.offer_channel,
        customers_featured.has_purchase_history,
        customers_featured.offers_wanted,
        nominated.product_id,
        allowed.category,
        nominated.is_from_category,
        nominated.is_from_copurchase,
        nominated.is_from_repeat,
        category_shares.category_rank,
        coalesce(
            category_shares.affinity_lift,
            case
                when customers_featured.signal_total > 0 then {{ var('affinity_lift_min') }}
                else 1.0
            end
        ) as affinity_lift,
        coalesce(category_shares.smoothed_share, 0.0)
        * coalesce(popularity.popularity_share, 0.0) as expected_share,
        coalesce(purchased.purchase_days, 0) as purchase_days,
        customers_featured.products_bought as customer_products_bought
    from nominated
    inner join customers_featured
        on
            nominated.cut_date = customers_featured.cut_date
            and nominated.customer_id = customers_featured.customer_id
    -- Nominations are already inside the allowed set (and in stock at
    -- production: int_offer_nominations); this join only brings the category.
    inner join allowed
        on
            customers_featured.rfm_segment = allowed.segment_name
            and nominated.product_id = allowed.product_id
    left join category_shares
        on
            nominated.cut_date = category_shares.cut_date
            and nominated.customer_id = category_shares.customer_id
            and allowed.category = category_shares.category
    left join popularity
        on
            nominated.cut_date = popularity.cut_date
            and nominated.product_id = popularity.product_id
    left join purchased
        on
            nominated.cut_date = purchased.cut_date
            and nominated.customer_id = purchased.customer_id
            and nominated.product_id = purchased.product_id
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
