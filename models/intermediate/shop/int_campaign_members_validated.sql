-- A filter of a table: as a view it costs nothing to build and little to read.
{{ config(materialized='view') }}

with

campaign_members as (
    select * from {{ ref('int_campaign_members_checked') }}
),

validated as (
    select
        campaign_id,
        customer_id,
        experiment_group,
        is_treatment,
        segment_at_send,
        offer_product_id,
        offer_discount_rate,
        sent_at
    from campaign_members
    where dq_reason is null
)

select * from validated
