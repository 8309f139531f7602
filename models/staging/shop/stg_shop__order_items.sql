-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('order_items') }}

-- Row-level checks only: rows that repeat an order id and line number are found in
-- int_order_items_checked, where an incremental build compares the newest loads
-- with the rows already checked (README, "Incremental builds").

{{ assert_source_columns('shop', 'order_items') }}

with

source as (
    select * from {{ source('shop', 'order_items') }}
),

renamed as (
    select
        {{ raw_text('order_id') }} as order_id,
        {{ raw_text('line_number') }} as line_number_text,
        {{ raw_text('product_id') }} as product_id,
        {{ raw_text('quantity') }} as quantity_text,
        {{ raw_text('unit_price') }} as unit_price_text,
        {{ raw_text('discount_amount') }} as discount_amount_text,
        {{ raw_record([
            'order_id', 'line_number', 'product_id', 'quantity', 'unit_price', 'discount_amount',
        ]) }} as raw_record,
        {{ load_order('shop', 'order_items') }} as load_order
    from source
),

typed as (
    select
        *,
        {{ parse_integer('line_number_text', max_count()) }} as line_number,
        {{ parse_integer('quantity_text', max_quantity()) }} as quantity,
        {{ parse_decimal('unit_price_text') }} as unit_price,
        {{ parse_decimal('discount_amount_text') }} as discount_amount
    from renamed
),

-- A zero price is a valid sale worth 0 (a free or promotional item); a
-- negative one is not. A discount is at most the line's amount, so no line
-- is worth less than nothing.
row_checked as (
    select
        *,
        {{ first_failed_check(
            [('order_id is null or line_number_text is null', 'missing_key')]
            + integer_checks('line_number', 'line_number_text', 'line_number', max_count(),
                required=true)
            + integer_checks('quantity', 'quantity_text', 'quantity', max_quantity(),
                required=true, allow_negative=true)
            + decimal_checks('unit_price', 'unit_price_text', 'unit_price', max_money_amount(),
                required=true)
            + decimal_checks('discount_amount', 'discount_amount_text', 'discount_amount',
                max_money_amount(), allow_negative=true)
            + [('discount_amount < 0 or discount_amount > abs(quantity) * unit_price',
                'invalid_discount_amount')]
        ) }} as dq_reason
    from typed
),

final as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        coalesce(discount_amount, 0) as discount_amount,
        dq_reason,
        raw_record,
        load_order
    from row_checked
)

select * from final
