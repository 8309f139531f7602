with

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_validated') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

checked as (
    select
        order_items.order_id,
        order_items.line_number,
        order_items.product_id,
        order_items.quantity,
        order_items.unit_price,
        order_items.discount_amount,
        order_items.raw_record,
        coalesce(
            order_items.dq_reason,
            case
                when orders.order_id is null then 'unknown_order'
                {%- if shop_table_provided('products') %}
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

final as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        discount_amount,
        dq_reason,
        -- The raw text is kept for quarantined rows only: a clean row lives on,
        -- typed, in the clean models, and the text would double what is written.
        case when dq_reason is not null then raw_record end as raw_record
    from checked
)

select * from final
