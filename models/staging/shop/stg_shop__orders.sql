-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('orders') }}

-- Row-level checks only: rows that repeat an order id are found in
-- int_orders_checked, where an incremental build compares the newest loads
-- with the rows already checked (README, "Incremental builds").

{{ assert_source_columns('shop', 'orders') }}

{%- set personal_ids = customer_ids_are_personal() %}
{%- set personal_columns = ['customer_id'] if personal_ids else [] %}

{#- Orders-only data (no order_items table): each order's order_amount is its
    only line, so the amount is checked here, against the orders row the user
    supplied (int_order_items_checked makes the line). -#}
{%- set has_order_amounts = not shop_table_provided('order_items') %}
{%- set raw_columns = ['order_id', 'customer_id', 'ordered_at', 'status', 'channel'] %}
{%- if has_order_amounts %}
    {%- set raw_columns = raw_columns + ['order_amount'] %}
{%- endif %}

with

source as (
    select * from {{ source('shop', 'orders') }}
),

renamed as (
    select
        {{ raw_text('order_id') }} as order_id,
        {{ customer_key(raw_text('customer_id'), personal_ids) }} as customer_id,
        {{ raw_text('customer_id') }} as source_customer_id,
        {{ raw_text('ordered_at') }} as ordered_at_text,
        lower({{ raw_text('status') }}) as order_status,
        lower({{ raw_text('channel') }}) as channel,
        {%- if has_order_amounts %}
        {{ raw_text('order_amount') }} as order_amount_text,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as order_amount_text,
        {%- endif %}
        {{ raw_record(raw_columns, redacted_columns=personal_columns) }} as raw_record,
        {{ load_order('shop', 'orders') }} as load_order
    from source
),

typed as (
    select
        *,
        {{ parse_timestamp_utc('ordered_at_text') }} as ordered_at,
        {{ parse_decimal('order_amount_text') }} as order_amount
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check(
            [
                ('order_id is null', 'missing_key'),
                ('ordered_at is null', 'unparseable_ordered_at'),
                ("order_status is null or order_status not in ('completed', 'cancelled', 'returned')",
                    'invalid_status'),
                ('ordered_at > ' ~ max_valid_at(), 'future_ordered_at'),
            ]
            + (decimal_checks('order_amount', 'order_amount_text', 'order_amount',
                max_money_amount(), required=true) if has_order_amounts else [])
        ) }} as dq_reason
    from typed
),

final as (
    select
        order_id,
        customer_id,
        source_customer_id,
        ordered_at,
        {{ reporting_date('ordered_at') }} as ordered_date,
        order_status,
        coalesce(channel, 'unknown') as channel,
        customer_id is null as is_guest_checkout,
        order_amount,
        dq_reason,
        raw_record,
        load_order
    from row_checked
)

select * from final
