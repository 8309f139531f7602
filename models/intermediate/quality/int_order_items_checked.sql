-- Every raw order line with its final verdict and, for a clean line, its
-- order and its netted revenue. The netting lives here rather than in
-- int_order_lines_classified (a view of the clean rows) because this join
-- with the orders is the one that checks the line: doing it once, and
-- writing ten million lines once, is half the cost of the RFM path.
--
-- A cancelled order never sold anything; a returned order (status
-- 'returned') sold and gave everything back; a negative quantity inside a
-- completed order gives back part of it.
--
-- Orders-only data (no order_items table) has one line per clean order,
-- worth its order_amount, checked in stg_shop__orders against the row the
-- user supplied; the empty order_items source adds nothing. Those lines
-- follow the orders, so they are all written again on every build.
--
-- Incremental (README, "Incremental builds"): a build checks the raw lines
-- of the newest load already here and of every later one, and writes again
-- every order those lines belong to, every order int_orders_checked wrote
-- since this table's last build (its customer, time or status may have
-- changed), and every order with a line quarantined as unknown_product
-- (the product may have arrived since), each with all of its lines.

{%- set lines_from_order_amounts = not shop_table_provided('order_items') %}
{%- set products_provided = shop_table_provided('products') %}
{{ config(**checked_event_table_config('order_key')) }}
{%- if lines_from_order_amounts %}
    {#- Every line is made again from the orders: the old ones go first. #}
    {{ config(pre_hook="{% if is_incremental() %}delete from {{ this }}{% endif %}") }}
{%- endif %}

{#- The order rows int_orders_checked wrote since this table's last build. #}
{%- set written_since = ref('int_orders_checked')
    ~ " where checked_at > (select max(checked_at) from " ~ this ~ ")" %}
{%- set orders_written_since = "select order_key from " ~ written_since %}
{#- An order id all of whose rows are quarantined now. #}
{%- set orders_no_longer_clean = "select order_id from " ~ written_since
    ~ " group by order_id having count(case when dq_reason is null then 1 end) = 0" %}
{%- set rechecks = {
    'clean lines belong to orders that are no longer clean':
        "select count(*) from " ~ this ~ " where dq_reason is null"
        ~ " and order_id in (" ~ orders_no_longer_clean ~ ")",
} %}
{%- if products_provided %}
    {%- do rechecks.update({
        'clean lines have products no longer among clean products':
            "select count(*) from " ~ this ~ " as lines where lines.dq_reason is null"
            ~ " and lines.product_id is not null and not exists (select 1 from "
            ~ ref('int_products_validated') ~ " as products"
            ~ " where products.product_id = lines.product_id)",
    }) %}
{%- endif %}
{%- set settings = {'products_provided': products_provided} %}
{%- set loads = none if lines_from_order_amounts else incremental_loads(settings, rechecks) %}
{#- A raw line as stored: what a later build needs to check it again. #}
{%- set row_columns = [
    'order_id', 'line_number', 'product_id', 'quantity', 'unit_price', 'discount_amount',
    'raw_record', 'load_order',
] %}

with

orders as (
    select * from {{ ref('int_orders_validated') }}
),

staged as (
    select
        {%- for column in row_columns %}
        {{ column }},
        {%- endfor %}
        dq_reason as row_dq_reason
    from {{ ref('stg_shop__order_items') }}
    {%- if loads %}
    where load_order >= {{ loads.reread_from }}
    {%- endif %}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

deduplicated as (
    {{ duplicates_flagged(
        'staged', ['order_id', 'line_number'], ['raw_record'], load_column='load_order',
    ) }}
),

{%- if loads %}

-- Lines with a clean row in the loads read now: that row is newer than
-- every clean row of an earlier load.
superseding_keys as (
    select distinct
        order_id,
        line_number
    from deduplicated
    where dq_reason is null
),

rechecked_orders as (
    select coalesce(order_id, '') as order_key from staged
    union
    {{ orders_written_since }}
    union
    select order_key from {{ this }}
    where load_order < {{ loads.reread_from }} and dq_reason = 'unknown_product'
),

-- The lines of earlier loads of those orders. A semi-join: the few order
-- keys are the hash table, and the stored lines are only probed.
previous as (
    select * from {{ this }}
    where
        load_order < {{ loads.reread_from }}
        and order_key in (select rechecked_orders.order_key from rechecked_orders)
),

previous_rechecked as (
    select
        {%- for column in row_columns %}
        previous.{{ column }},
        {%- endfor %}
        {{ earlier_load_verdict(
            'superseding_keys.order_id is not null', ['unknown_order', 'unknown_product'],
        ) }} as dq_reason
    from previous
    left join superseding_keys
        on
            previous.order_id = superseding_keys.order_id
            and previous.line_number = superseding_keys.line_number
),

{%- endif %}

order_items as (
    {%- for relation in (['deduplicated', 'previous_rechecked'] if loads else ['deduplicated']) %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        {%- for column in row_columns %}
        {{ column }},
        {%- endfor %}
        dq_reason
    from {{ relation }}
    {%- endfor %}
    {%- if lines_from_order_amounts %}

    union all

    select
        order_id,
        1 as line_number,
        cast(null as {{ dbt.type_string() }}) as product_id,
        1 as quantity,
        order_amount as unit_price,
        cast(0 as {{ type_money() }}) as discount_amount,
        cast(null as {{ dbt.type_string() }}) as raw_record,
        cast('' as {{ dbt.type_string() }}) as load_order,
        cast(null as {{ dbt.type_string() }}) as dq_reason
    from orders
    {%- endif %}
),

checked as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        orders.customer_id,
        orders.ordered_at,
        orders.ordered_date,
        orders.order_status,
        order_items.quantity,
        order_items.unit_price,
        order_items.discount_amount,
        abs(order_items.quantity) * order_items.unit_price
        - order_items.discount_amount as line_amount,
        order_items.raw_record,
        order_items.load_order,
        coalesce(
            order_items.dq_reason,
            case
                when orders.order_id is null then 'unknown_order'
                {%- if products_provided %}
                when order_items.product_id is not null and products.product_id is null
                    then 'unknown_product'
                {%- endif %}
            end
        ) as dq_reason
    from order_items
    left join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id
),

classified as (
    select
        *,
        case
            when order_status = 'cancelled' then 'cancellation'
            when order_status = 'returned' or quantity < 0 then 'return'
            else 'sale'
        end as line_type,
        case
            when order_status = 'cancelled' or quantity < 0 then 0
            else line_amount
        end as gross_revenue,
        case
            when order_status = 'cancelled' then 0
            when order_status = 'returned' or quantity < 0 then line_amount
            else 0
        end as returned_revenue
    from checked
),

final as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        discount_amount,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml); a superseded
        -- row was clean when checked, and its text is in its load's file.
        case when dq_reason != 'superseded' then raw_record end as raw_record,
        -- The order and the netting, for clean lines only.
        case when dq_reason is null then customer_id end as customer_id,
        case when dq_reason is null then ordered_at end as ordered_at,
        case when dq_reason is null then ordered_date end as ordered_date,
        case when dq_reason is null then order_status end as order_status,
        case when dq_reason is null then line_type end as line_type,
        case
            when dq_reason is null then cast(gross_revenue as {{ type_money() }})
        end as gross_revenue,
        case
            when dq_reason is null then cast(returned_revenue as {{ type_money() }})
        end as returned_revenue,
        load_order,
        -- Lines without an order id form one group ('').
        coalesce(order_id, '') as order_key,
        {{ merge_row_ordinal('order_key') }} as row_ordinal,
        {{ checked_at_stamp() }} as checked_at,
        {{ check_settings(settings) }} as check_settings
    from classified
)

select * from final
