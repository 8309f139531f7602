-- The single as-of date every RFM model measures from. Pinned by
-- var('as_of_date'), otherwise the day after the newest valid order, so a
-- rerun on the same data gives the same answer whatever today's date is.
-- Days are calendar days in var('reporting_timezone') (stg_shop__orders).

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

newest_order as (
    select max(ordered_date) as newest_order_date
    from orders
),

as_of as (
    {%- if var('as_of_date', none) is not none %}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else %}
    select cast({{ dbt.dateadd('day', 1, 'newest_order_date') }} as date) as as_of_date
    {%- endif %}
    from newest_order
),

final as (
    select
        as_of_date,
        cast({{ dbt.dateadd('day', -1 * var('rfm_lookback_days'), 'as_of_date') }} as date)
            as lookback_start_date
    from as_of
)

select * from final
