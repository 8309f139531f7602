-- What the copy writer gets per segment: the aggregate profile of the
-- segment's contactable customers and the playbook's limits. Nothing about
-- any single customer. Only segments with contactable customers and at least
-- one offered product (int_segment_offered_products) appear, so copy
-- requests never exceed the number of segments.
--
-- The discount range handed to the copy writer is the segment's one chosen
-- discount (int_segment_discounts_chosen; min = max), so the copy quotes the
-- discount the offer carries, whoever writes it (template or LLM). The
-- playbook's own range stays in playbook_min/max_discount_rate.

with

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

offered_products as (
    select * from {{ ref('int_segment_offered_products') }}
),

discounts as (
    select * from {{ ref('int_segment_discounts_chosen') }}
),

segment_profiles as (
    select
        contactable.rfm_segment as segment_name,
        count(*) as customers,
        avg(cast(scored_customers.recency_days as double)) as avg_recency_days,
        avg(cast(scored_customers.frequency as double)) as avg_frequency,
        cast(avg(scored_customers.monetary) as double) as avg_monetary
    from contactable
    left join scored_customers
        on contactable.customer_id = scored_customers.customer_id
    -- Customers offers can reach: contactable on a channel the segment lists.
    where contactable.offer_channel is not null
    group by contactable.rfm_segment
),

segments_with_offers as (
    select distinct segment_name from offered_products
),

briefs as (
    select
        segment_profiles.segment_name,
        cast(segment_profiles.customers as bigint) as customers,
        segment_profiles.avg_recency_days,
        segment_profiles.avg_frequency,
        segment_profiles.avg_monetary,
        playbook.objective,
        playbook.channel,
        discounts.discount_rate as min_discount_rate,
        discounts.discount_rate as max_discount_rate,
        playbook.min_discount_rate as playbook_min_discount_rate,
        playbook.max_discount_rate as playbook_max_discount_rate,
        playbook.offers_per_customer,
        playbook.offers_to_write
    from segment_profiles
    inner join playbook
        on segment_profiles.segment_name = playbook.segment_name
    inner join segments_with_offers
        on segment_profiles.segment_name = segments_with_offers.segment_name
    inner join discounts
        on segment_profiles.segment_name = discounts.segment_name
)

select * from briefs
