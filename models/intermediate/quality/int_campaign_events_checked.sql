with

campaign_events as (
    select * from {{ ref('stg_shop__campaign_events') }}
),

campaign_members as (
    select * from {{ ref('int_campaign_members_validated') }}
),

checked as (
    select
        campaign_events.campaign_id,
        campaign_events.customer_id,
        campaign_events.event_type,
        campaign_events.occurred_at,
        campaign_events.raw_record,
        coalesce(
            campaign_events.dq_reason,
            case when campaign_members.campaign_id is null then 'unknown_member' end
        ) as dq_reason
    from campaign_events
    left join campaign_members
        on
            campaign_events.campaign_id = campaign_members.campaign_id
            and campaign_events.customer_id = campaign_members.customer_id
),

final as (
    select
        campaign_id,
        customer_id,
        event_type,
        occurred_at,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record
    from checked
)

select * from final
