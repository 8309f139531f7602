-- A filter of a table: as a view it costs nothing to build and little to read.
{{ config(materialized='view') }}

with

campaign_events as (
    select * from {{ ref('int_campaign_events_checked') }}
),

validated as (
    select
        campaign_id,
        customer_id,
        event_type,
        occurred_at
    from campaign_events
    where dq_reason is null
)

select * from validated
