-- Consent per customer id, the most restrictive reading over every raw
-- customer row with that id: the clean row, its duplicate_key copies and rows
-- quarantined for any other reason alike (an opt-out in a row staging
-- rejected is still an opt-out). A channel is allowed only when every row
-- consents to it (stg_shop__customers reads each row, int_customers_checked
-- holds them all; a missing or unreadable answer is a no); an unsubscribed_at
-- in any row unsubscribes the customer from every channel. Rows without a
-- customer_id cannot be attributed.

with

customer_rows as (
    select * from {{ ref('int_customers_checked') }}
),

consents_resolved as (
    select
        customer_id,
        count(*) as customer_records,
        {%- for channel in consent_channels() %}
        bool_and(is_{{ channel }}_opt_in) as is_{{ channel }}_opt_in,
        {%- endfor %}
        bool_or(is_unsubscribed) as is_unsubscribed
    from customer_rows
    where customer_id is not null
    group by customer_id
)

select * from consents_resolved
