with

products as (
    select * from {{ ref('stg_shop__products') }}
),

validated as (
    select
        product_id,
        product_name,
        category,
        unit_price,
        unit_cost,
        inventory_qty,
        lifecycle_stage,
        product_description
    from products
    where dq_reason is null
)

select * from validated
