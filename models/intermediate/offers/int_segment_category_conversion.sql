-- The closed loop: how often each segment converted on offers from each
-- category in past campaigns (treatment members only), smoothed toward a
-- prior when the history is thin. With m members and c conversions, the rate
-- is (c + k * p) / (m + k): a Beta(k * p, k * (1 - p)) prior of strength k
-- (var offer_prior_strength) around p, the overall treatment conversion rate
-- (or var offer_prior_conversion_rate when there are no campaigns yet).
-- Every playbook segment x product category gets a row.

{%- set strength = var('offer_prior_strength') %}

with

attributed_members as (
    select * from {{ ref('int_campaign_members_attributed') }}
),

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

treated as (
    select * from attributed_members
    where is_treatment and offer_category is not null
),

prior_rate as (
    select
        coalesce(
            avg(case when is_converted then 1.0 else 0.0 end),
            {{ var('offer_prior_conversion_rate') }}
        ) as prior_conversion_rate
    from treated
),

observed as (
    select
        segment_at_send as segment_name,
        offer_category as category,
        count(*) as treated_members,
        sum(case when is_converted then 1 else 0 end) as conversions
    from treated
    group by segment_at_send, offer_category
),

segment_categories as (
    select distinct
        playbook.segment_name,
        products.category
    from playbook
    cross join products
),

smoothed as (
    select
        segment_categories.segment_name,
        segment_categories.category,
        cast(coalesce(observed.treated_members, 0) as bigint) as treated_members,
        cast(coalesce(observed.conversions, 0) as bigint) as conversions,
        prior_rate.prior_conversion_rate,
        (coalesce(observed.conversions, 0) + {{ strength }} * prior_rate.prior_conversion_rate)
        / (coalesce(observed.treated_members, 0) + {{ strength }}) as smoothed_conversion_rate
    from segment_categories
    cross join prior_rate
    left join observed
        on
            segment_categories.segment_name = observed.segment_name
            and segment_categories.category = observed.category
)

select * from smoothed
