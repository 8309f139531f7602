-- The floor: RFM features and NTILE scores in one hand-written DuckDB query,
-- straight from the raw Parquet files. It applies every rule our models apply
-- on the way to int_customers_rfm_scored, so the two must agree row for row:
--   * the staging checks that can drop an order, a line, a customer or a
--     product (missing key, unparseable values, invalid status, future
--     timestamps, negative line prices, non-positive catalogue prices) and
--     duplicate keys (the row kept is the
--     one with the smallest raw record, as macros/quality_checks.sql);
--   * referential checks: orders of unknown customers, lines of unknown orders
--     or products (docs/data_quality.md);
--   * netting (int_order_lines_classified): cancelled orders are worth 0, a
--     'returned' order or a negative quantity gives the line amount back;
--   * as-of date = the day after the newest valid order (or the pinned as_of_date),
--     window [as_of - lookback, as_of), recency in days from the last
--     completed order's date, frequency = distinct completed orders (with
--     or without clean lines: orders count by the order), only
--     customers with a completed order in the window;
--   * scores (macros/rfm_scoring.sql): ntile ordered by value then
--     customer_id, then the lowest tile of each run of equal values,
--     computed as the models do, from each value's rank.
-- What it leaves out is what RFM does not need: quarantine tables, audit
-- columns (raw_record is built only to break duplicate-key ties), segments.
-- Placeholders (a dollar sign and a name) are filled by rfm_nbo.bench.floor.

with

customers_raw as (
    select * from read_parquet('$customers')
),

products_raw as (
    select * from read_parquet('$products')
),

orders_raw as (
    select * from read_parquet('$orders')
),

order_items_raw as (
    select * from read_parquet('$order_items')
),

-- Customers and products only decide which ids exist (a duplicate leaves the
-- id valid), so no dedupe is needed here.
valid_customer_ids as (
    select distinct customer_id
    from (
        select
            nullif(trim(cast(customer_id as varchar)), '') as customer_id,
            nullif(trim(cast(signed_up_at as varchar)), '') as signed_up_at_text,
            try_cast(nullif(trim(cast(signed_up_at as varchar)), '') as timestamp) as signed_up_at
        from customers_raw
    )
    where
        customer_id is not null
        and (signed_up_at_text is null or signed_up_at is not null)
        and not coalesce(signed_up_at > $max_valid_at, false)
),

valid_product_ids as (
    select distinct product_id
    from (
        select
            nullif(trim(cast(product_id as varchar)), '') as product_id,
            nullif(trim(cast(unit_price as varchar)), '') as price_text,
            nullif(trim(cast(unit_cost as varchar)), '') as cost_text,
            nullif(trim(cast(inventory_qty as varchar)), '') as inventory_text,
            lower(nullif(trim(cast(lifecycle_stage as varchar)), '')) as lifecycle_stage
        from products_raw
    )
    where
        product_id is not null
        and (price_text is null or try_cast(price_text as decimal(38, 6)) is not null)
        and (cost_text is null or try_cast(cost_text as decimal(38, 6)) is not null)
        and (inventory_text is null or try_cast(inventory_text as integer) is not null)
        and not coalesce(
            lifecycle_stage not in ('introduction', 'growth', 'maturity', 'decline'), false
        )
        and not coalesce(try_cast(price_text as decimal(38, 6)) <= 0, false)
),

orders_typed as (
    select
        nullif(trim(cast(order_id as varchar)), '') as order_id,
        nullif(trim(cast(customer_id as varchar)), '') as customer_id,
        try_cast(nullif(trim(cast(ordered_at as varchar)), '') as timestamp) as ordered_at,
        lower(nullif(trim(cast(status as varchar)), '')) as order_status,
        coalesce(cast(order_id as varchar), '') || ' | ' || coalesce(cast(customer_id as varchar), '')
        || ' | ' || coalesce(cast(ordered_at as varchar), '') || ' | '
        || coalesce(cast(status as varchar), '') || ' | ' || coalesce(cast(channel as varchar), '')
            as raw_record
    from orders_raw
),

-- One row per order id among rows that pass the row checks (ties: the
-- smallest raw record); then orders of unknown customers go.
orders_deduplicated as (
    select
        order_id,
        arg_min(
            {'customer_id': customer_id, 'ordered_at': ordered_at, 'order_status': order_status},
            raw_record
        ) as kept
    from orders_typed
    where
        order_id is not null
        and ordered_at is not null
        and order_status in ('completed', 'cancelled', 'returned')
        and not (ordered_at > $max_valid_at)
    group by order_id
),

valid_orders as (
    select
        orders_deduplicated.order_id,
        orders_deduplicated.kept.customer_id as customer_id,
        orders_deduplicated.kept.ordered_at as ordered_at,
        orders_deduplicated.kept.order_status as order_status
    from orders_deduplicated
    left join valid_customer_ids
        on orders_deduplicated.kept.customer_id = valid_customer_ids.customer_id
    where
        orders_deduplicated.kept.customer_id is null
        or valid_customer_ids.customer_id is not null
),

newest_order as (
    select max(cast(ordered_at as date)) as newest_order_date
    from valid_orders
),

as_of_date as (
    select $as_of_date_expression as as_of_date
    from newest_order
),

as_of as (
    select
        as_of_date,
        cast(as_of_date - interval $lookback_days day as date) as lookback_start_date
    from as_of_date
),

items_typed as (
    select
        nullif(trim(cast(order_id as varchar)), '') as order_id,
        nullif(trim(cast(line_number as varchar)), '') as line_number_text,
        nullif(trim(cast(product_id as varchar)), '') as product_id,
        try_cast(nullif(trim(cast(line_number as varchar)), '') as integer) as line_number,
        try_cast(nullif(trim(cast(quantity as varchar)), '') as integer) as quantity,
        try_cast(nullif(trim(cast(unit_price as varchar)), '') as decimal(38, 6)) as unit_price,
        nullif(trim(cast(discount_amount as varchar)), '') as discount_text,
        try_cast(nullif(trim(cast(discount_amount as varchar)), '') as decimal(38, 6))
            as discount_amount,
        coalesce(cast(order_id as varchar), '') || ' | ' || coalesce(cast(line_number as varchar), '')
        || ' | ' || coalesce(cast(product_id as varchar), '') || ' | '
        || coalesce(cast(quantity as varchar), '') || ' | '
        || coalesce(cast(unit_price as varchar), '') || ' | '
        || coalesce(cast(discount_amount as varchar), '') as raw_record
    from order_items_raw
),

-- One row per (order, line) among rows that pass the row checks (ties: the
-- smallest raw record).
items_deduplicated as (
    select
        order_id,
        line_number,
        arg_min(
            {
                'product_id': product_id,
                'quantity': quantity,
                'unit_price': unit_price,
                'discount_amount': coalesce(discount_amount, 0)
            },
            raw_record
        ) as kept
    from items_typed
    where
        order_id is not null
        and line_number_text is not null
        and line_number is not null
        and quantity is not null
        and unit_price is not null
        and (discount_text is null or discount_amount is not null)
        and unit_price >= 0
    group by order_id, line_number
),

valid_items as (
    select
        order_id,
        kept.product_id as product_id,
        kept.quantity as quantity,
        kept.unit_price as unit_price,
        kept.discount_amount as discount_amount
    from items_deduplicated
),

-- Lines of unknown products go; lines of unknown orders fall out of the
-- inner join below.
order_values as (
    select
        valid_items.order_id,
        sum(
            case
                when valid_items.quantity >= 0
                    then valid_items.quantity * valid_items.unit_price - valid_items.discount_amount
                else 0
            end
        ) as sold_amount,
        sum(
            case
                when valid_items.quantity < 0
                    then - valid_items.quantity * valid_items.unit_price - valid_items.discount_amount
                else 0
            end
        ) as returned_line_amount
    from valid_items
    left join valid_product_ids
        on valid_items.product_id = valid_product_ids.product_id
    where valid_items.product_id is null or valid_product_ids.product_id is not null
    group by valid_items.order_id
),

customer_orders as (
    select
        valid_orders.customer_id,
        valid_orders.order_id,
        valid_orders.order_status,
        valid_orders.ordered_at,
        case valid_orders.order_status
            when 'completed'
                then coalesce(order_values.sold_amount - order_values.returned_line_amount, 0)
            when 'returned' then coalesce(- order_values.returned_line_amount, 0)
            else 0
        end as net_revenue
    from valid_orders
    left join order_values
        on valid_orders.order_id = order_values.order_id
    cross join as_of
    where
        valid_orders.customer_id is not null
        and valid_orders.ordered_at >= cast(as_of.lookback_start_date as timestamp)
        and valid_orders.ordered_at < cast(as_of.as_of_date as timestamp)
),

features as (
    select
        customer_orders.customer_id,
        cast(
            date_diff(
                'day',
                max(customer_orders.ordered_at) filter (where customer_orders.order_status = 'completed'),
                any_value(cast(as_of.as_of_date as timestamp))
            ) as integer
        ) as recency_days,
        cast(count(*) filter (where customer_orders.order_status = 'completed') as integer)
            as frequency,
        cast(sum(customer_orders.net_revenue) as decimal(38, 6)) as monetary
    from customer_orders
    cross join as_of
    group by customer_orders.customer_id
    having count(*) filter (where customer_orders.order_status = 'completed') > 0
),

-- Scores as the models make them (macros/rfm_scoring.sql): the NTILE bucket
-- of each value's rank, which is NTILE by value then customer_id with a run
-- of equal values given its lowest bucket, in one sort per measure.
ranked as (
    select
        *,
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by frequency) as frequency_rank,
        rank() over (order by monetary) as monetary_rank,
        count(*) over () as customers,
        least($buckets, count(*) over ()) as buckets
    from features
),

sized as (
    select
        *,
        customers // buckets as bucket_size,
        customers % buckets as larger_buckets
    from ranked
),

scored as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        cast(case
            when recency_rank <= larger_buckets * (bucket_size + 1)
                then (recency_rank - 1) // (bucket_size + 1) + 1
            else larger_buckets + (recency_rank - 1 - larger_buckets * (bucket_size + 1)) // bucket_size + 1
        end as integer) as r_score,
        cast(case
            when frequency_rank <= larger_buckets * (bucket_size + 1)
                then (frequency_rank - 1) // (bucket_size + 1) + 1
            else larger_buckets + (frequency_rank - 1 - larger_buckets * (bucket_size + 1)) // bucket_size + 1
        end as integer) as f_score,
        cast(case
            when monetary_rank <= larger_buckets * (bucket_size + 1)
                then (monetary_rank - 1) // (bucket_size + 1) + 1
            else larger_buckets + (monetary_rank - 1 - larger_buckets * (bucket_size + 1)) // bucket_size + 1
        end as integer) as m_score
    from sized
)

select * from scored
