with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

checked as (
    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.ordered_date,
        orders.order_status,
        orders.channel,
        orders.is_guest_checkout,
        orders.order_amount,
        orders.raw_record,
        coalesce(
            orders.dq_reason,
            {%- if shop_table_provided('customers') %}
            case
                when orders.customer_id is not null and customers.customer_id is null
                    then 'unknown_customer'
            end
            {%- else %}
            {#- No customer table in the user's data: nothing to check against. #}
            cast(null as {{ dbt.type_string() }})
            {%- endif %}
        ) as dq_reason
    from orders
    left join customers
        on orders.customer_id = customers.customer_id
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        ordered_date,
        order_status,
        channel,
        is_guest_checkout,
        order_amount,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record
    from checked
)

select * from final
