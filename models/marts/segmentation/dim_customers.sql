-- Customers are the clean rows of the customer table plus every RFM-scored
-- customer (a completed order in the lookback window), so data without a
-- customer table (orders only) still has its buyers here
-- (int_customers_contactable builds that list). contact_status is the
-- closed loop's decision for the next campaign (int_customer_contact_policy).

with

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

clustered_customers as (
    select * from {{ ref('int_customers_clustered') }}
),

contact_policy as (
    select * from {{ ref('int_customer_contact_policy') }}
),

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
),

customer_clv as (
    select * from {{ ref('int_customers_clv') }}
),

clv_inputs as (
    select * from {{ ref('int_customer_clv_inputs') }}
),

offer_counts as (
    select
        customer_id,
        count(*) as offers
    from ranked_offers
    group by customer_id
),

joined as (
    select
        contactable.customer_id,
        {{ salted_email_hash('customers.email') }} as email_hash,
        customers.country_code,
        customers.signed_up_at,
        -- Deprecated alias, removed in the next release: use is_email_contactable.
        contactable.is_email_opt_in as is_marketing_opt_in,
        customers.customer_id is not null as has_customer_record,
        scored_customers.customer_id is not null as is_rfm_scored,
        scored_customers.recency_days,
        scored_customers.frequency,
        scored_customers.monetary,
        scored_customers.r_score,
        scored_customers.f_score,
        scored_customers.m_score,
        scored_customers.rfm_score,
        contactable.rfm_segment,
        clustered_customers.cluster_id,
        clustered_customers.cluster_name,
        clustered_customers.distance_to_centroid,
        scored_customers.first_ordered_at,
        scored_customers.last_ordered_at,
        contactable.is_contactable,
        contactable.is_email_contactable,
        contactable.is_sms_contactable,
        contactable.is_push_contactable,
        contactable.not_contactable_reason,
        cast(coalesce(offer_counts.offers, 0) as integer) as offers,
        contact_policy.contact_status,
        contact_policy.contact_status_reason,
        contact_policy.expected_incremental_margin,
        contact_policy.contact_cost,
        contact_policy.contact_priority,
        customer_clv.probability_alive,
        customer_clv.expected_purchases,
        customer_clv.expected_average_order_value,
        customer_clv.expected_clv,
        customer_clv.clv_at_risk,
        customer_clv.churn_risk_band,
        clv_inputs.clv_basis,
        -- Deprecated alias, removed in the next release: use contact_status.
        case
            when offer_counts.offers > 0 then 'has_offers'
            when not contactable.is_contactable then 'not_contactable'
            when contactable.offer_channel is null then 'no_consented_channel'
            else 'no_allowed_candidate'
        end as offer_status
    from contactable
    left join customers
        on contactable.customer_id = customers.customer_id
    left join scored_customers
        on contactable.customer_id = scored_customers.customer_id
    left join clustered_customers
        on contactable.customer_id = clustered_customers.customer_id
    left join offer_counts
        on contactable.customer_id = offer_counts.customer_id
    left join contact_policy
        on contactable.customer_id = contact_policy.customer_id
    left join customer_clv
        on contactable.customer_id = customer_clv.customer_id
    left join clv_inputs
        on contactable.customer_id = clv_inputs.customer_id
)

select * from joined
