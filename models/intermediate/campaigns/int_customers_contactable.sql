-- Consent, per customer: who may receive an offer, and why not. A customer
-- needs an explicit marketing opt-in and no unsubscribe from any campaign;
-- buyers known only from orders (no customer record) have given no consent.

with

customers as (
    select * from {{ ref('int_customers_validated') }}
),

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

campaign_events as (
    select * from {{ ref('int_campaign_events_validated') }}
),

unsubscribed as (
    select distinct customer_id
    from campaign_events
    where event_type = 'unsubscribed'
),

all_customers as (
    select customer_id from customers
    union
    select customer_id from scored_customers
),

consent as (
    select
        all_customers.customer_id,
        coalesce(scored_customers.rfm_segment, 'No Recent Purchases') as rfm_segment,
        case
            when customers.customer_id is null then 'no_customer_record'
            when not customers.is_marketing_opt_in then 'no_marketing_opt_in'
            when unsubscribed.customer_id is not null then 'unsubscribed'
        end as not_contactable_reason
    from all_customers
    left join customers
        on all_customers.customer_id = customers.customer_id
    left join scored_customers
        on all_customers.customer_id = scored_customers.customer_id
    left join unsubscribed
        on all_customers.customer_id = unsubscribed.customer_id
),

final as (
    select
        customer_id,
        rfm_segment,
        not_contactable_reason is null as is_contactable,
        not_contactable_reason
    from consent
)

select * from final
