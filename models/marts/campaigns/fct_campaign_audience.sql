-- The next campaign's send list: every customer the contact policy
-- (int_customer_contact_policy) sends an offer to or holds out as control,
-- with the rank-1 offer of fct_next_best_offers' ranking. Held-out rows carry
-- the offer they would have received, so the send log that comes back
-- (the campaign_members contract) records it for both groups. One campaign
-- per channel (campaign_id = audience_campaign_id || '-' || channel), as the
-- campaigns table has one channel per campaign. design_treatment_share is the
-- split the holdout draw plans (int_customer_contact_policy holds a customer
-- out with probability holdout_share); the export writes it as the campaign's
-- treatment_share, so the sample-ratio check tests the split against it.

with

policy as (
    select * from {{ ref('int_customer_contact_policy') }}
),

ranked_offers as (
    select * from {{ ref('int_customer_offers_ranked') }}
),

offer_copy as (
    select * from {{ ref('int_segment_offer_copy') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

audience as (
    select
        policy.audience_campaign_id,
        policy.campaign_id,
        policy.customer_id,
        policy.rfm_segment,
        policy.channel,
        case when policy.contact_status = 'contact' then 'treatment' else 'control' end
            as experiment_group,
        policy.contact_status = 'contact' as is_treatment,
        ranked_offers.product_id,
        ranked_offers.product_name,
        ranked_offers.category,
        ranked_offers.offer_type,
        ranked_offers.discount_rate,
        offer_copy.headline,
        offer_copy.body,
        offer_copy.sms,
        offer_copy.copy_source,
        policy.expected_incremental_margin,
        policy.contact_cost,
        policy.contact_status_reason,
        policy.contact_priority,
        as_of.as_of_date
    from policy
    inner join ranked_offers
        on
            policy.customer_id = ranked_offers.customer_id
            and ranked_offers.offer_rank = 1
    left join offer_copy
        on
            ranked_offers.rfm_segment = offer_copy.segment_name
            and ranked_offers.product_id = offer_copy.product_id
    cross join as_of
    where policy.contact_status in ('contact', 'holdout')
),

final as (
    select
        cast(audience_campaign_id as {{ dbt.type_string() }}) as audience_campaign_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(experiment_group as {{ dbt.type_string() }}) as experiment_group,
        is_treatment,
        cast(product_id as {{ dbt.type_string() }}) as product_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(offer_type as {{ dbt.type_string() }}) as offer_type,
        cast(discount_rate as double) as discount_rate,
        cast(headline as {{ dbt.type_string() }}) as headline,
        cast(body as {{ dbt.type_string() }}) as body,
        cast(sms as {{ dbt.type_string() }}) as sms,
        cast(copy_source as {{ dbt.type_string() }}) as copy_source,
        cast(expected_incremental_margin as double) as expected_incremental_margin,
        cast(contact_cost as double) as contact_cost,
        cast(contact_status_reason as {{ dbt.type_string() }}) as contact_status_reason,
        cast(1 - {{ var('holdout_share') }} as double) as design_treatment_share,
        cast(contact_priority as bigint) as contact_priority,
        as_of_date
    from audience
)

select * from final
