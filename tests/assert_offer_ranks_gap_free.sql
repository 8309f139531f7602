-- Offer ranks per customer run 1, 2, ..., n with no gaps: the highest rank
-- equals the number of offers. (Uniqueness is a generic test.)

with

offers as (
    select * from {{ ref('fct_next_best_offers') }}
),

per_customer as (
    select
        customer_id,
        count(*) as offers,
        min(offer_rank) as lowest_rank,
        max(offer_rank) as highest_rank
    from offers
    group by customer_id
),

with_gaps as (
    select * from per_customer
    where lowest_rank != 1 or highest_rank != offers
)

select * from with_gaps
