-- K-Means assigns every RFM customer to exactly one cluster: none is lost in
-- the chunked assignment, none appears twice.

with

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

clustered_customers as (
    select * from {{ ref('int_customers_clustered') }}
),

mismatches as (
    select
        coalesce(scored_customers.customer_id, clustered_customers.customer_id) as customer_id,
        scored_customers.customer_id is null as is_clustered_but_not_scored,
        clustered_customers.customer_id is null as is_scored_but_not_clustered
    from scored_customers
    full outer join clustered_customers
        on scored_customers.customer_id = clustered_customers.customer_id
    where scored_customers.customer_id is null or clustered_customers.customer_id is null
)

select * from mismatches
