with

campaigns as (
    select * from {{ ref('stg_shop__campaigns') }}
),

validated as (
    select
        campaign_id,
        campaign_name,
        channel,
        started_at,
        ended_at,
        cost,
        treatment_share
    from campaigns
    where dq_reason is null
)

select * from validated
