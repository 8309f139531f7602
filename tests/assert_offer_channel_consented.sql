-- Channel consent: every offer goes out on a channel the customer may be
-- contacted on (dim_customers.is_<channel>_contactable: consented, never
-- unsubscribed) and that the segment's playbook lists
-- (int_segment_channels_ranked), so an email-era opt-in never authorises
-- an SMS or push offer and no offer uses a channel the playbook rules out.

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

segment_channels as (
    select * from {{ ref('int_segment_channels_ranked') }}
),

offers_checked as (
    select
        offers.customer_id,
        offers.offer_rank,
        offers.rfm_segment,
        offers.channel,
        coalesce(
            case offers.channel
                {%- for channel in consent_channels() %}
                when '{{ channel }}' then customers.is_{{ channel }}_contactable
                {%- endfor %}
            end,
            false
        ) as is_channel_consented,
        segment_channels.channel is not null as is_channel_in_playbook
    from offers
    left join customers
        on offers.customer_id = customers.customer_id
    left join segment_channels
        on
            offers.rfm_segment = segment_channels.segment_name
            and offers.channel = segment_channels.channel
),

without_consent as (
    select * from offers_checked
    where not is_channel_consented or not is_channel_in_playbook
)

select * from without_consent
