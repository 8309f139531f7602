-- The contact policy: for every customer, whether the next campaign sends
-- them an offer, keeps them out as control, or leaves them alone, and why.
-- README, "How the loop learns".
--
-- In order, the first that applies:
--   not_contactable       no consent, unsubscribed or no customer record
--                         (reason: int_customers_contactable.not_contactable_reason)
--   no_consented_channel  open only on channels the segment's playbook does not list
--   below_contact_value   the segment's shrunk expected incremental margin per
--                         contact (int_segment_uplift) is not above the cost of
--                         one message on the customer's channel
--                         (var contact_cost_per_channel)
--   no_allowed_candidate  no offer survived the ranking's rules (reason
--                         no_candidate_offer), or every offer the customer
--                         had went to customers before them because stock
--                         ran out (capacity_exhausted: int_customer_offers_ranked)
--   holdout               kept out as control: a share var('holdout_share') of
--                         the segment's would-be contacts
--   contact               the offer goes out
-- With no campaign history at all the expected margin is null and nobody is
-- below contact value: the playbook decides (exploration), and the holdout
-- makes the first campaign measurable.
--
-- contact_priority orders the would-be contacts (contact and holdout
-- together, so a send capped at the first N keeps treatment and control
-- drawn from the same customers) by the value churn is expected to cost
-- (int_customers_clv.clv_at_risk), then expected CLV: win-back effort goes
-- first to lapsing customers worth much if kept. It orders only those the
-- incremental-margin rule already sends; it never overrides that rule.
--
-- Holdout: a customer is held out when hash_fraction(customer_id || '|' ||
-- audience campaign id) < holdout_share, an independent draw per customer
-- that is the same on every rebuild and on both engines, and drawn afresh
-- for each audience campaign id (var audience_campaign_id, null =
-- 'nbo-' || as_of_date), so nobody is held out of every campaign.

{%- set costs = contact_costs() %}
{%- set campaign_id = var('audience_campaign_id', none) %}

with

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

uplift as (
    select * from {{ ref('int_segment_uplift') }}
),

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
),

offer_lists as (
    select * from {{ ref('int_offer_lists_ranked') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

customer_clv as (
    select * from {{ ref('int_customers_clv') }}
),

audience_campaign as (
    select
        {%- if campaign_id is not none %}
        cast('{{ campaign_id | replace("'", "''") }}' as {{ dbt.type_string() }})
        {%- else %}
        'nbo-' || cast(as_of_date as {{ dbt.type_string() }})
        {%- endif %} as audience_campaign_id
    from as_of
),

segment_values as (
    select
        segment_name,
        shrunk_incremental_margin_per_contact as expected_incremental_margin
    from uplift
    where breakdown = 'segment'
),

customers_with_offers as (
    select customer_id from ranked_offers
    where offer_rank = 1
),

-- Customers who had a list before the capacity rule.
customers_with_lists as (
    select customer_id from offer_lists
    where cut_role = 'production' and offer_rank = 1
),

customer_values as (
    select
        contactable.customer_id,
        contactable.rfm_segment,
        contactable.is_contactable,
        contactable.not_contactable_reason,
        contactable.offer_channel as channel,
        customers_with_offers.customer_id is not null as has_offer,
        customers_with_lists.customer_id is not null as had_offer_list,
        segment_values.expected_incremental_margin,
        cast(
            case contactable.offer_channel
                {%- for channel in consent_channels() %}
                when '{{ channel }}' then {{ costs[channel] }}
                {%- endfor %}
            end as double
        ) as contact_cost,
        customer_clv.clv_at_risk,
        customer_clv.expected_clv,
        audience_campaign.audience_campaign_id,
        {{ hash_fraction(
            "contactable.customer_id || '|' || audience_campaign.audience_campaign_id"
        ) }} as holdout_draw
    from contactable
    cross join audience_campaign
    left join segment_values
        on contactable.rfm_segment = segment_values.segment_name
    left join customers_with_offers
        on contactable.customer_id = customers_with_offers.customer_id
    left join customers_with_lists
        on contactable.customer_id = customers_with_lists.customer_id
    left join customer_clv
        on contactable.customer_id = customer_clv.customer_id
),

decided as (
    select
        *,
        case
            when not is_contactable then 'not_contactable'
            when channel is null then 'no_consented_channel'
            when expected_incremental_margin <= contact_cost then 'below_contact_value'
            when not has_offer then 'no_allowed_candidate'
            when holdout_draw < {{ var('holdout_share') }} then 'holdout'
            else 'contact'
        end as contact_status
    from customer_values
),

final as (
    select
        customer_id,
        rfm_segment,
        cast(contact_status as {{ dbt.type_string() }}) as contact_status,
        cast(
            case contact_status
                when 'not_contactable' then not_contactable_reason
                when 'no_consented_channel' then 'no_playbook_channel_open'
                when 'below_contact_value' then 'margin_not_above_cost'
                when 'no_allowed_candidate'
                    then
                        case
                            when had_offer_list then 'capacity_exhausted' else 'no_candidate_offer'
                        end
                when 'holdout' then 'random_holdout'
                when 'contact' then
                    case
                        when expected_incremental_margin is null then 'no_campaign_history'
                        else 'margin_above_cost'
                    end
            end as {{ dbt.type_string() }}
        ) as contact_status_reason,
        channel,
        has_offer,
        expected_incremental_margin,
        contact_cost,
        audience_campaign_id,
        case
            when channel is not null then audience_campaign_id || '-' || channel
        end as campaign_id,
        holdout_draw,
        case
            when contact_status in ('contact', 'holdout')
                then row_number() over (
                    partition by contact_status in ('contact', 'holdout')
                    order by
                        coalesce(clv_at_risk, 0) desc,
                        coalesce(expected_clv, 0) desc,
                        customer_id
                )
        end as contact_priority
    from decided
)

select * from final
