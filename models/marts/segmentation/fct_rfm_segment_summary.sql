with

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

customer_clv as (
    select * from {{ ref('int_customers_clv') }}
),

segments as (
    select * from {{ ref('segments') }}
),

segment_names as (
    select segment_name as rfm_segment
    from segments
    where scheme in ('rfm_rule', 'both')
),

segment_totals as (
    select
        scored_customers.rfm_segment,
        count(*) as customers,
        sum(scored_customers.monetary) as net_revenue,
        avg(cast(scored_customers.recency_days as double)) as avg_recency_days,
        avg(cast(scored_customers.frequency as double)) as avg_frequency,
        cast(avg(scored_customers.monetary) as double) as avg_monetary,
        -- Summed as decimals: exact, so the total does not depend on the
        -- order the rows are added in (a double's sum would, in its last bits).
        sum(cast(customer_clv.expected_clv as decimal(38, 6))) as total_expected_clv,
        cast(sum(cast(customer_clv.expected_clv as decimal(38, 6))) as double)
        / nullif(count(customer_clv.expected_clv), 0) as avg_expected_clv
    from scored_customers
    left join customer_clv
        on scored_customers.customer_id = customer_clv.customer_id
    group by scored_customers.rfm_segment
),

overall_totals as (
    select
        count(*) as customers,
        sum(monetary) as net_revenue
    from scored_customers
),

-- Every RFM rule name of seed segments appears, with zeros when it is empty, so a
-- dashboard shows the full picture and never a silently missing segment.
summary as (
    select
        segment_names.rfm_segment,
        cast(coalesce(segment_totals.customers, 0) as bigint) as customers,
        cast(coalesce(segment_totals.net_revenue, 0) as {{ type_money() }}) as net_revenue,
        cast(coalesce(segment_totals.customers, 0) as double)
        / nullif(overall_totals.customers, 0) as customer_share,
        cast(coalesce(segment_totals.net_revenue, 0) as double)
        / nullif(cast(overall_totals.net_revenue as double), 0) as revenue_share,
        segment_totals.avg_recency_days,
        segment_totals.avg_frequency,
        segment_totals.avg_monetary,
        cast(coalesce(segment_totals.total_expected_clv, 0) as double) as total_expected_clv,
        cast(segment_totals.avg_expected_clv as double) as avg_expected_clv
    from segment_names
    cross join overall_totals
    left join segment_totals
        on segment_names.rfm_segment = segment_totals.rfm_segment
)

select * from summary
