-- A filter of a table: as a view it costs nothing to build and little to read.
{{ config(materialized='view') }}

with

web_events as (
    select * from {{ ref('int_web_events_checked') }}
),

validated as (
    select
        customer_id,
        product_id,
        event_type,
        occurred_at
    from web_events
    where dq_reason is null
)

select * from validated
