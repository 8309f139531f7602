-- How the two schemes relate: customers per classic RFM segment x K-Means
-- cluster, and what share of the RFM segment falls in each cluster.

with

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

clustered_customers as (
    select * from {{ ref('int_customers_clustered') }}
),

pairs as (
    select
        scored_customers.rfm_segment,
        clustered_customers.cluster_name,
        count(*) as customers
    from scored_customers
    inner join clustered_customers
        on scored_customers.customer_id = clustered_customers.customer_id
    group by scored_customers.rfm_segment, clustered_customers.cluster_name
),

with_shares as (
    select
        rfm_segment,
        cluster_name,
        cast(customers as bigint) as customers,
        cast(customers as double)
        / sum(customers) over (partition by rfm_segment) as rfm_segment_share
    from pairs
)

select * from with_shares
