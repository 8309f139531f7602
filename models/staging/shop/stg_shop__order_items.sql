-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('order_items') }}

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
        ]) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ dbt.safe_cast('line_number_text', dbt.type_int()) }} as line_number,
        {{ dbt.safe_cast('quantity_text', dbt.type_int()) }} as quantity,
        {{ dbt.safe_cast('unit_price_text', type_money()) }} as unit_price,
        {{ dbt.safe_cast('discount_amount_text', type_money()) }} as discount_amount
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check([
            ('order_id is null or line_number_text is null', 'missing_key'),
            ('line_number is null', 'unparseable_line_number'),
            ('quantity is null', 'unparseable_quantity'),
            ('unit_price is null', 'unparseable_unit_price'),
            ('discount_amount_text is not null and discount_amount is null',
                'unparseable_discount_amount'),
            ('unit_price <= 0', 'non_positive_unit_price'),
        ]) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    select
        *,
        coalesce(
            row_dq_reason,
            {{ duplicate_key_check('row_dq_reason', ['order_id', 'line_number'], ['raw_record']) }}
        ) as dq_reason
    from row_checked
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
        raw_record
    from duplicates_checked
)

select * from final
