with

campaign_members as (
    select * from {{ ref('stg_shop__campaign_members') }}
),

campaigns as (
    select * from {{ ref('int_campaigns_validated') }}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

checked as (
    select
        campaign_members.campaign_id,
        campaign_members.customer_id,
        campaign_members.experiment_group,
        campaign_members.is_treatment,
        campaign_members.segment_at_send,
        campaign_members.offer_product_id,
        campaign_members.offer_discount_rate,
        campaign_members.sent_at,
        campaign_members.raw_record,
        coalesce(
            campaign_members.dq_reason,
            case
                when campaigns.campaign_id is null then 'unknown_campaign'
                when customers.customer_id is null then 'unknown_customer'
            end
        ) as dq_reason
    from campaign_members
    left join campaigns
        on campaign_members.campaign_id = campaigns.campaign_id
    left join customers
        on campaign_members.customer_id = customers.customer_id
),

final as (
    select
        campaign_id,
        customer_id,
        experiment_group,
        is_treatment,
        segment_at_send,
        offer_product_id,
        offer_discount_rate,
        sent_at,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record
    from checked
)

select * from final
