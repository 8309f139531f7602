with

web_events as (
    select * from {{ ref('stg_shop__web_events') }}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

checked as (
    select
        web_events.customer_id,
        web_events.product_id,
        web_events.event_type,
        web_events.occurred_at,
        web_events.raw_record,
        coalesce(
            web_events.dq_reason,
            case
                when customers.customer_id is null then 'unknown_customer'
                when products.product_id is null then 'unknown_product'
            end
        ) as dq_reason
    from web_events
    left join customers
        on web_events.customer_id = customers.customer_id
    left join products
        on web_events.product_id = products.product_id
),

final as (
    select
        customer_id,
        product_id,
        event_type,
        occurred_at,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record
    from checked
)

select * from final
