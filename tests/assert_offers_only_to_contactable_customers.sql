-- Consent: no offer ever goes to a customer who opted out, unsubscribed or
-- never gave consent, and none goes out on a channel the customer did not
-- consent to (dim_customers.is_<channel>_contactable).

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

offers_without_consent as (
    select
        offers.customer_id,
        offers.offer_rank,
        offers.channel,
        customers.not_contactable_reason
    from offers
    left join customers
        on offers.customer_id = customers.customer_id
    where
        customers.customer_id is null
        or not customers.is_contactable
        or not coalesce(
            case offers.channel
                {%- for channel in consent_channels() %}
                when '{{ channel }}' then customers.is_{{ channel }}_contactable
                {%- endfor %}
            end,
            false
        )
)

select * from offers_without_consent
