-- What each customer did with each product before a cut: the history every
-- candidate source and every population statistic of the offer ranking
-- reads. One row per cut x customer x product the customer bought or
-- looked at in the var('rfm_lookback_days') before the cut (never after).
-- Customers: at the production cut the ranked ones (those with an offer
-- channel in int_customers_contactable, as in int_offer_cut_customers; read
-- from the spine so this model need not wait for that one) and the
-- population sample; at past cuts the population sample only (the
-- evaluation sample ranked there lies inside it: macro
-- offer_sample_fractions), so past cuts never touch every customer.
--
-- signal_weight is the recency-weighted attention, halved every
-- var('affinity_half_life_days'): a purchased line 1.0, add to cart 0.5,
-- wishlist 0.4, view 0.1 (a purchase says more than a glance). Exact
-- decimals, so sums do not depend on the order the engine adds them in.

with

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

web_events as (
    select * from {{ ref('int_web_events_validated') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

sample_fractions as (
    {{ offer_sample_fractions('contactable') }}
),

cut_windows as (
    select
        cut_date,
        cut_role,
        cast({{ dbt.dateadd('day', -1 * var('rfm_lookback_days'), 'cut_date') }} as date)
            as lookback_start_date
    from cuts
),

-- The draw as a column first: compared inside the join condition DuckDB
-- computed it four times slower.
customer_draws as (
    select
        customer_id,
        {{ offer_sample_draw('customer_id') }} as sample_draw
    from contactable
),

population_customers as (
    select customer_draws.customer_id
    from customer_draws
    cross join sample_fractions
    where customer_draws.sample_draw < sample_fractions.population_fraction
),

-- Production: ranked customers and the population sample; past cuts: the
-- population sample alone.
customers_in_scope as (
    select
        customer_id,
        max(is_ranked_at_production) as is_ranked_at_production,
        max(is_population_sample) as is_population_sample
    from (
        select
            customer_id,
            1 as is_ranked_at_production,
            0 as is_population_sample
        from contactable
        where offer_channel is not null
        union all
        select
            customer_id,
            0 as is_ranked_at_production,
            1 as is_population_sample
        from population_customers
    ) as scoped
    group by customer_id
),

signals as (
    select
        order_lines.customer_id,
        order_lines.product_id,
        order_lines.ordered_at as signal_at,
        order_lines.ordered_date as purchased_date,
        1.0 as signal_weight
    from order_lines
    where order_lines.line_type = 'sale' and order_lines.customer_id is not null

    union all

    select
        customer_id,
        product_id,
        occurred_at as signal_at,
        cast(null as date) as purchased_date,
        case event_type
            when 'add_to_cart' then 0.5
            when 'wishlist' then 0.4
            else 0.1
        end as signal_weight
    from web_events
),

signals_in_scope as (
    select
        signals.*,
        customers_in_scope.is_ranked_at_production,
        customers_in_scope.is_population_sample
    from signals
    inner join customers_in_scope
        on signals.customer_id = customers_in_scope.customer_id
),

-- Two branches, so each join is an equality or a one-row range join:
-- production for everyone in scope, past cuts for the population sample.
signals_by_cut as (
    select
        cut_windows.cut_date,
        signals_in_scope.*
    from signals_in_scope
    inner join cut_windows
        on
            cut_windows.cut_role = 'production'
            and signals_in_scope.signal_at
            < cast(cut_windows.cut_date as {{ dbt.type_timestamp() }})
            and signals_in_scope.signal_at
            >= cast(cut_windows.lookback_start_date as {{ dbt.type_timestamp() }})

    union all

    select
        cut_windows.cut_date,
        signals_in_scope.*
    from signals_in_scope
    inner join cut_windows
        on
            cut_windows.cut_role != 'production'
            and signals_in_scope.signal_at
            < cast(cut_windows.cut_date as {{ dbt.type_timestamp() }})
            and signals_in_scope.signal_at
            >= cast(cut_windows.lookback_start_date as {{ dbt.type_timestamp() }})
    where signals_in_scope.is_population_sample = 1
),

signals_at_cuts as (
    select
        cut_date,
        customer_id,
        product_id,
        purchased_date,
        is_population_sample,
        cast(
            signal_weight
            * power(
                0.5,
                {{ dbt.datediff('signal_at', 'cut_date', 'day') }}
                / cast({{ var('affinity_half_life_days') }} as double)
            )
            as decimal(18, 9)
        ) as signal_weight
    from signals_by_cut
),

-- Two plain aggregations instead of count(distinct): one row per purchase
-- day (all of a product's web signals fall into one row, its date null),
-- then one per product (about twice as fast at 1M customers).
signal_days as (
    select
        cut_date,
        customer_id,
        product_id,
        purchased_date,
        max(is_population_sample) as is_population_sample,
        sum(signal_weight) as signal_weight
    from signals_at_cuts
    group by cut_date, customer_id, product_id, purchased_date
),

customer_products as (
    select
        signal_days.cut_date,
        signal_days.customer_id,
        signal_days.product_id,
        products.category,
        max(signal_days.is_population_sample) = 1 as is_population_sample,
        cast(count(signal_days.purchased_date) as integer) as purchase_days,
        max(signal_days.purchased_date) as last_purchased_date,
        sum(signal_days.signal_weight) as signal_weight
    from signal_days
    inner join products
        on signal_days.product_id = products.product_id
    group by
        signal_days.cut_date,
        signal_days.customer_id,
        signal_days.product_id,
        products.category
)

select * from customer_products
