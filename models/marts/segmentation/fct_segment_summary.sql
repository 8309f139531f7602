-- Both segmentation schemes side by side: the classic RFM segments (rules on
-- scores) and the K-Means behavioural clusters, with the same measures, so a
-- marketer can compare them row for row.

with

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

clustered_customers as (
    select * from {{ ref('int_customers_clustered') }}
),

customer_clv as (
    select * from {{ ref('int_customers_clv') }}
),

customer_segments as (
    select
        'rfm' as segmentation_scheme,
        rfm_segment as segment_name,
        customer_id,
        recency_days,
        frequency,
        monetary
    from scored_customers

    union all

    select
        'kmeans' as segmentation_scheme,
        clustered_customers.cluster_name as segment_name,
        scored_customers.customer_id,
        scored_customers.recency_days,
        scored_customers.frequency,
        scored_customers.monetary
    from scored_customers
    inner join clustered_customers
        on scored_customers.customer_id = clustered_customers.customer_id
),

segment_totals as (
    select
        customer_segments.segmentation_scheme,
        customer_segments.segment_name,
        count(*) as customers,
        sum(customer_segments.monetary) as net_revenue,
        avg(cast(customer_segments.recency_days as double)) as avg_recency_days,
        avg(cast(customer_segments.frequency as double)) as avg_frequency,
        cast(avg(customer_segments.monetary) as double) as avg_monetary,
        -- Summed as decimals: exact, so the total does not depend on the
        -- order the rows are added in (a double's sum would, in its last bits).
        sum(cast(customer_clv.expected_clv as decimal(38, 6))) as total_expected_clv,
        cast(sum(cast(customer_clv.expected_clv as decimal(38, 6))) as double)
        / nullif(count(customer_clv.expected_clv), 0) as avg_expected_clv
    from customer_segments
    left join customer_clv
        on customer_segments.customer_id = customer_clv.customer_id
    group by customer_segments.segmentation_scheme, customer_segments.segment_name
),

with_shares as (
    select
        segmentation_scheme,
        segment_name,
        cast(customers as bigint) as customers,
        cast(net_revenue as {{ type_money() }}) as net_revenue,
        cast(customers as double)
        / sum(customers) over (partition by segmentation_scheme) as customer_share,
        {{ safe_divide(
            'net_revenue', 'sum(net_revenue) over (partition by segmentation_scheme)',
        ) }} as revenue_share,
        avg_recency_days,
        avg_frequency,
        avg_monetary,
        cast(total_expected_clv as double) as total_expected_clv,
        cast(avg_expected_clv as double) as avg_expected_clv
    from segment_totals
)

select * from with_shares
