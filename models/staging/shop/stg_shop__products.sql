-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('products') }}

{{ assert_source_columns('shop', 'products') }}

with

source as (
    select * from {{ source('shop', 'products') }}
),

renamed as (
    select
        {{ raw_text('product_id') }} as product_id,
        {{ raw_text('product_name') }} as product_name,
        lower({{ raw_text('category') }}) as category,
        {{ raw_text('unit_price') }} as unit_price_text,
        {{ raw_text('unit_cost') }} as unit_cost_text,
        {{ raw_text('inventory_qty') }} as inventory_qty_text,
        lower({{ raw_text('lifecycle_stage') }}) as lifecycle_stage,
        {{ raw_text('description') }} as product_description,
        {{ raw_record([
            'product_id', 'product_name', 'category', 'unit_price', 'unit_cost',
            'inventory_qty', 'lifecycle_stage', 'description',
        ]) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ parse_decimal('unit_price_text') }} as unit_price,
        {{ parse_decimal('unit_cost_text') }} as unit_cost,
        {{ parse_integer('inventory_qty_text', max_count()) }} as inventory_qty
    from renamed
),

-- A catalogue price must be positive (margins are shares of it); stock may
-- be negative (oversold).
row_checked as (
    select
        *,
        {{ first_failed_check(
            [('product_id is null', 'missing_key')]
            + decimal_checks('unit_price', 'unit_price_text', 'unit_price', max_money_amount(),
                allow_negative=true)
            + decimal_checks('unit_cost', 'unit_cost_text', 'unit_cost', max_money_amount())
            + integer_checks('inventory_qty', 'inventory_qty_text', 'inventory_qty', max_count(),
                allow_negative=true)
            + [
                ("lifecycle_stage not in ('introduction', 'growth', 'maturity', 'decline')",
                    'invalid_lifecycle_stage'),
                ('unit_price <= 0', 'non_positive_unit_price'),
            ]
        ) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    {{ duplicates_flagged('row_checked', ['product_id'], ['raw_record']) }}
),

final as (
    select
        product_id,
        product_name,
        coalesce(category, 'uncategorised') as category,
        unit_price,
        unit_cost,
        coalesce(inventory_qty, 0) as inventory_qty,
        coalesce(lifecycle_stage, 'maturity') as lifecycle_stage,
        product_description,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
