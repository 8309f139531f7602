-- How much each customer leans toward each category, from what they bought
-- and what they looked at, with older signals fading (half-life
-- var('affinity_half_life_days')). The lift compares the customer's share of
-- attention on a category with everyone's share on it: 2.0 means twice the
-- usual interest. Signal weights: a purchased line 1.0, add to cart 0.5,
-- wishlist 0.4, view 0.1 (a purchase says more than a glance).

with

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

web_events as (
    select * from {{ ref('int_web_events_validated') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

purchase_signals as (
    select
        order_lines.customer_id,
        order_lines.product_id,
        order_lines.ordered_at as signal_at,
        1.0 as signal_weight
    from order_lines
    where order_lines.line_type = 'sale' and order_lines.customer_id is not null
),

web_signals as (
    select
        customer_id,
        product_id,
        occurred_at as signal_at,
        case event_type
            when 'add_to_cart' then 0.5
            when 'wishlist' then 0.4
            else 0.1
        end as signal_weight
    from web_events
),

signals as (
    select * from purchase_signals
    union all
    select * from web_signals
),

decayed as (
    select
        signals.customer_id,
        products.category,
        -- Exact decimals, so the sums below do not depend on the order the
        -- engine adds them in (doubles would, and the marts must be identical
        -- run after run).
        cast(
            signals.signal_weight
            * power(
                0.5,
                {{ dbt.datediff('signals.signal_at', 'as_of.as_of_date', 'day') }}
                / cast({{ var('affinity_half_life_days') }} as double)
            )
            as decimal(18, 9)
        ) as affinity_weight
    from signals
    inner join products
        on signals.product_id = products.product_id
    cross join as_of
    where
        signals.signal_at < cast(as_of.as_of_date as {{ dbt.type_timestamp() }})
        and signals.signal_at >= cast(as_of.lookback_start_date as {{ dbt.type_timestamp() }})
),

customer_categories as (
    select
        customer_id,
        category,
        sum(affinity_weight) as affinity_score
    from decayed
    group by customer_id, category
),

shares as (
    select
        *,
        -- Doubles: Trino would divide the decimals as decimals, rounding to
        -- 9 places, and the two engines would disagree in the last digits.
        cast(affinity_score as double)
        / sum(affinity_score) over (partition by customer_id) as customer_share,
        cast(sum(affinity_score) over (partition by category) as double)
        / sum(affinity_score) over () as population_share
    from customer_categories
),

final as (
    select
        customer_id,
        category,
        affinity_score,
        customer_share,
        population_share,
        least(
            {{ var('affinity_lift_max') }},
            greatest(
                {{ var('affinity_lift_min') }},
                coalesce(customer_share / population_share, 1.0)
            )
        ) as affinity_lift
    from shares
)

select * from final
