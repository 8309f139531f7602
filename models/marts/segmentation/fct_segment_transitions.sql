-- From -> to counts of classic RFM segments between consecutive month ends:
-- the migration matrix a marketer reads to see where customers are drifting.

with

migration as (
    select * from {{ ref('fct_segment_migration') }}
),

transitions as (
    select
        month_end_date,
        previous_rfm_segment as from_rfm_segment,
        rfm_segment as to_rfm_segment,
        count(*) as customers
    from migration
    where previous_rfm_segment is not null
    group by month_end_date, previous_rfm_segment, rfm_segment
),

with_shares as (
    select
        month_end_date,
        from_rfm_segment,
        to_rfm_segment,
        cast(customers as bigint) as customers,
        cast(customers as double)
        / sum(customers) over (partition by month_end_date, from_rfm_segment) as from_segment_rate
    from transitions
)

select * from with_shares
