-- Attribution: a campaign member converts when they place a completed order
-- within var('attribution_window_days') after sent_at (for control members,
-- sent_at is their assignment time). Revenue and margin: every completed
-- order in the window counts, not only the first (a campaign that brings a
-- customer back for two orders earned both); conversion is counted once.
--
-- Segment at send: the member's classic RFM segment from our own snapshots
-- (int_customer_snapshots_rfm_scored, under the scoring method in force) at
-- the last month end strictly before sent_at, not the label in the campaign
-- file (kept as segment_label_in_file): the file's label is whatever the
-- sending tool had, often stale or coarser. Days are compared in
-- var('reporting_timezone') like every order date: the snapshot is the one
-- whose as-of date (month end + 1 day, exclusive) is the first of the month
-- of the send's reporting-timezone date. A member with no completed order in
-- that snapshot's lookback window (never ordered, or lapsed) is 'No Recent
-- Purchases', as in fct_segment_migration.

{%- set window_days = var('attribution_window_days') %}

with

members as (
    select * from {{ ref('int_campaign_members_validated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

snapshots as (
    select * from {{ ref('int_rfm_snapshots') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

-- int_rfm_snapshots holds a snapshot for every send month, so the inner
-- join keeps every member.
member_snapshots as (
    select
        members.campaign_id,
        members.customer_id,
        snapshots.month_end_date
    from members
    inner join snapshots
        on
            cast({{ dbt.date_trunc('month', reporting_date('members.sent_at')) }} as date)
            = snapshots.snapshot_as_of_date
),

segments_at_send as (
    select
        member_snapshots.campaign_id,
        member_snapshots.customer_id,
        member_snapshots.month_end_date as segment_month_end_date,
        coalesce(
            snapshot_scores.rfm_segment, {{ no_recent_purchases_segment() }}
        ) as segment_at_send
    from member_snapshots
    left join snapshot_scores
        on
            member_snapshots.customer_id = snapshot_scores.customer_id
            and member_snapshots.month_end_date = snapshot_scores.month_end_date
),

completed_lines as (
    select
        order_lines.customer_id,
        order_lines.order_id,
        order_lines.ordered_at,
        order_lines.product_id,
        products.category,
        order_lines.net_revenue,
        -- Completed orders hold sale lines and negative-quantity return lines;
        -- quantity x cost nets the cost of returned goods the same way.
        order_lines.net_revenue
        - order_lines.quantity * coalesce(products.unit_cost, 0) as net_margin
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    where order_lines.order_status = 'completed'
),

lines_in_window as (
    select
        members.campaign_id,
        members.customer_id,
        completed_lines.order_id,
        completed_lines.ordered_at,
        completed_lines.net_revenue,
        completed_lines.net_margin,
        completed_lines.product_id = members.offer_product_id as is_offered_product,
        completed_lines.category = offer_products.category as is_offered_category
    from members
    inner join completed_lines
        on members.customer_id = completed_lines.customer_id
    left join products as offer_products
        on members.offer_product_id = offer_products.product_id
    where
        completed_lines.ordered_at > members.sent_at
        and completed_lines.ordered_at
        <= {{ dbt.dateadd('day', window_days, 'members.sent_at') }}
),

member_outcomes as (
    select
        campaign_id,
        customer_id,
        count(distinct order_id) as attributed_orders,
        min(ordered_at) as first_converted_at,
        sum(net_revenue) as attributed_revenue,
        sum(net_margin) as attributed_margin,
        max(case when is_offered_product then 1 else 0 end) as bought_offered_product,
        max(case when is_offered_category then 1 else 0 end) as bought_offered_category
    from lines_in_window
    group by campaign_id, customer_id
),

attributed as (
    select
        members.campaign_id,
        members.customer_id,
        members.experiment_group,
        members.is_treatment,
        segments_at_send.segment_at_send,
        segments_at_send.segment_month_end_date,
        members.segment_at_send as segment_label_in_file,
        members.offer_product_id,
        offer_products.category as offer_category,
        members.offer_discount_rate,
        members.sent_at,
        coalesce(member_outcomes.attributed_orders, 0) > 0 as is_converted,
        member_outcomes.first_converted_at,
        cast(coalesce(member_outcomes.attributed_orders, 0) as integer) as attributed_orders,
        cast(coalesce(member_outcomes.attributed_revenue, 0) as {{ type_money() }})
            as attributed_revenue,
        cast(coalesce(member_outcomes.attributed_margin, 0) as {{ type_money() }})
            as attributed_margin,
        coalesce(member_outcomes.bought_offered_product, 0) = 1 as has_bought_offered_product,
        coalesce(member_outcomes.bought_offered_category, 0) = 1 as has_bought_offered_category
    from members
    left join member_outcomes
        on
            members.campaign_id = member_outcomes.campaign_id
            and members.customer_id = member_outcomes.customer_id
    left join products as offer_products
        on members.offer_product_id = offer_products.product_id
    left join segments_at_send
        on
            members.campaign_id = segments_at_send.campaign_id
            and members.customer_id = segments_at_send.customer_id
)

select * from attributed
