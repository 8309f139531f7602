-- Customers come from the customer table and, for data without one (orders
-- only), from the orders: a buyer is a customer even without a profile.

with

customers as (
    select * from {{ ref('int_customers_validated') }}
),

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

all_customers as (
    select customer_id from customers
    union
    select customer_id from scored_customers
),

joined as (
    select
        all_customers.customer_id,
        {{ salted_email_hash('customers.email') }} as email_hash,
        customers.country_code,
        customers.signed_up_at,
        coalesce(customers.is_marketing_opt_in, false) as is_marketing_opt_in,
        customers.customer_id is not null as has_customer_record,
        scored_customers.customer_id is not null as is_rfm_scored,
        scored_customers.recency_days,
        scored_customers.frequency,
        scored_customers.monetary,
        scored_customers.r_score,
        scored_customers.f_score,
        scored_customers.m_score,
        scored_customers.rfm_score,
        coalesce(scored_customers.rfm_segment, 'No Recent Purchases') as rfm_segment,
        scored_customers.first_ordered_at,
        scored_customers.last_ordered_at
    from all_customers
    left join customers
        on all_customers.customer_id = customers.customer_id
    left join scored_customers
        on all_customers.customer_id = scored_customers.customer_id
)

select * from joined
