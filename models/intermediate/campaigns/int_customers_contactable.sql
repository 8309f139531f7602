-- Consent, per customer and channel: who may receive an offer, on which
-- channel, and why not.
--
-- A channel is open when every raw record of the customer consents to it
-- (int_customer_consents_resolved: a lone marketing_opt_in is email only) and
-- the customer never unsubscribed, in a record or from any campaign (an
-- unsubscribe closes every channel). Buyers known only from orders (no
-- customer record) have given no consent. The offer goes out on the first
-- channel of the segment's playbook preference list that is open
-- (int_segment_channels_ranked); none open: no offer.

{%- set channels = consent_channels() %}

with

customers as (
    select * from {{ ref('int_customers_validated') }}
),

consents as (
    select * from {{ ref('int_customer_consents_resolved') }}
),

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

campaign_events as (
    select * from {{ ref('int_campaign_events_validated') }}
),

segment_channels as (
    select * from {{ ref('int_segment_channels_ranked') }}
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

consent_joined as (
    select
        all_customers.customer_id,
        coalesce(scored_customers.rfm_segment, {{ no_recent_purchases_segment() }}) as rfm_segment,
        customers.customer_id is not null as has_customer_record,
        {%- for channel in channels %}
        customers.customer_id is not null
        and coalesce(consents.is_{{ channel }}_opt_in, false) as is_{{ channel }}_opt_in,
        {%- endfor %}
        coalesce(consents.is_unsubscribed, false)
        or unsubscribed.customer_id is not null as is_unsubscribed
    from all_customers
    left join customers
        on all_customers.customer_id = customers.customer_id
    left join consents
        on all_customers.customer_id = consents.customer_id
    left join scored_customers
        on all_customers.customer_id = scored_customers.customer_id
    left join unsubscribed
        on all_customers.customer_id = unsubscribed.customer_id
),

channels_opened as (
    select
        *,
        {%- for channel in channels %}
        is_{{ channel }}_opt_in and not is_unsubscribed as is_{{ channel }}_contactable,
        {%- endfor %}
        case
            when not has_customer_record then 'no_customer_record'
            when not (is_email_opt_in or is_sms_opt_in or is_push_opt_in)
                then 'no_marketing_opt_in'
            when is_unsubscribed then 'unsubscribed'
        end as not_contactable_reason
    from consent_joined
),

offer_channels_ranked as (
    select
        channels_opened.customer_id,
        segment_channels.channel,
        row_number() over (
            partition by channels_opened.customer_id
            order by segment_channels.channel_rank
        ) as preference
    from channels_opened
    inner join segment_channels
        on channels_opened.rfm_segment = segment_channels.segment_name
    where
        case segment_channels.channel
            {%- for channel in channels %}
            when '{{ channel }}' then channels_opened.is_{{ channel }}_contactable
            {%- endfor %}
            else false
        end
),

final as (
    select
        channels_opened.customer_id,
        channels_opened.rfm_segment,
        channels_opened.is_email_opt_in,
        {%- for channel in channels %}
        channels_opened.is_{{ channel }}_contactable,
        {%- endfor %}
        channels_opened.not_contactable_reason is null as is_contactable,
        channels_opened.not_contactable_reason,
        offer_channels_ranked.channel as offer_channel
    from channels_opened
    left join offer_channels_ranked
        on
            channels_opened.customer_id = offer_channels_ranked.customer_id
            and offer_channels_ranked.preference = 1
)

select * from final
