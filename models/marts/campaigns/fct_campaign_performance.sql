-- Campaign results per campaign x segment at send x channel, measured against
-- the control group. Statistics (all on the conversion rate, 95 % level):
--   uplift           = treatment rate - control rate
--   confidence band  = uplift +/- 1.96 x unpooled standard error (Wald)
--   p-value          = two-sided, pooled two-proportion z-test
--   incremental X    = (X per treated member - X per control member) x treated members
--   sample ratio     = chi-square test (1 df) of the observed treatment/control
--                      split against var('campaign_design_treatment_share')
-- Every rate is a fraction 0..1; a zero denominator gives null, never an error.

{%- set design_share = var('campaign_design_treatment_share') %}

with

members as (
    select * from {{ ref('int_campaign_members_attributed') }}
),

campaigns as (
    select * from {{ ref('int_campaigns_validated') }}
),

campaign_events as (
    select * from {{ ref('int_campaign_events_validated') }}
),

member_events as (
    select
        campaign_id,
        customer_id,
        max(case when event_type = 'delivered' then 1 else 0 end) as was_delivered,
        max(case when event_type = 'opened' then 1 else 0 end) as was_opened,
        max(case when event_type = 'clicked' then 1 else 0 end) as was_clicked,
        max(case when event_type = 'unsubscribed' then 1 else 0 end) as was_unsubscribed
    from campaign_events
    group by campaign_id, customer_id
),

member_rows as (
    select
        members.campaign_id,
        coalesce(members.segment_at_send, 'Unknown') as segment_at_send,
        members.is_treatment,
        members.is_converted,
        members.attributed_orders,
        members.attributed_revenue,
        members.attributed_margin,
        coalesce(member_events.was_delivered, 0) as was_delivered,
        coalesce(member_events.was_opened, 0) as was_opened,
        coalesce(member_events.was_clicked, 0) as was_clicked,
        coalesce(member_events.was_unsubscribed, 0) as was_unsubscribed
    from members
    left join member_events
        on
            members.campaign_id = member_events.campaign_id
            and members.customer_id = member_events.customer_id
),

cells as (
    select
        campaign_id,
        segment_at_send,
        sum(case when is_treatment then 1 else 0 end) as treatment_members,
        sum(case when is_treatment then 0 else 1 end) as control_members,
        sum(case when is_treatment then was_delivered else 0 end) as delivered,
        sum(case when is_treatment then was_opened else 0 end) as opened,
        sum(case when is_treatment then was_clicked else 0 end) as clicked,
        sum(case when is_treatment then was_unsubscribed else 0 end) as unsubscribed,
        sum(case when is_treatment and is_converted then 1 else 0 end) as treatment_conversions,
        sum(case when not is_treatment and is_converted then 1 else 0 end) as control_conversions,
        sum(case when is_treatment then attributed_orders else 0 end) as treatment_orders,
        sum(case when is_treatment then attributed_revenue else 0 end) as treatment_revenue,
        sum(case when is_treatment then 0 else attributed_revenue end) as control_revenue,
        sum(case when is_treatment then attributed_margin else 0 end) as treatment_margin,
        sum(case when is_treatment then 0 else attributed_margin end) as control_margin
    from member_rows
    group by campaign_id, segment_at_send
),

campaign_treatment_totals as (
    select
        campaign_id,
        sum(treatment_members) as campaign_treatment_members
    from cells
    group by campaign_id
),

rates as (
    select
        cells.*,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.started_at,
        cast(campaigns.cost as double)
        * {{ safe_divide(
            'cells.treatment_members', 'campaign_treatment_totals.campaign_treatment_members',
        ) }} as allocated_cost,
        {{ safe_divide('cells.treatment_conversions', 'cells.treatment_members') }}
            as treatment_conversion_rate,
        {{ safe_divide('cells.control_conversions', 'cells.control_members') }}
            as control_conversion_rate,
        {{ safe_divide(
            'cells.treatment_conversions + cells.control_conversions',
            'cells.treatment_members + cells.control_members',
        ) }} as pooled_conversion_rate,
        {{ safe_divide('cells.treatment_revenue', 'cells.treatment_members') }}
        - {{ safe_divide('cells.control_revenue', 'cells.control_members') }}
            as revenue_uplift_per_member,
        {{ safe_divide('cells.treatment_margin', 'cells.treatment_members') }}
        - {{ safe_divide('cells.control_margin', 'cells.control_members') }}
            as margin_uplift_per_member,
        cast(cells.treatment_members + cells.control_members as double) * {{ design_share }}
            as expected_treatment_members,
        cast(cells.treatment_members + cells.control_members as double) * (1 - {{ design_share }})
            as expected_control_members
    from cells
    inner join campaigns
        on cells.campaign_id = campaigns.campaign_id
    inner join campaign_treatment_totals
        on cells.campaign_id = campaign_treatment_totals.campaign_id
),

errors as (
    select
        *,
        treatment_conversion_rate - control_conversion_rate as conversion_uplift,
        sqrt(
            {{ safe_divide(
                'treatment_conversion_rate * (1 - treatment_conversion_rate)', 'treatment_members',
            ) }}
            + {{ safe_divide(
                'control_conversion_rate * (1 - control_conversion_rate)', 'control_members',
            ) }}
        ) as uplift_standard_error,
        sqrt(
            pooled_conversion_rate * (1 - pooled_conversion_rate)
            * ({{ safe_divide(1, 'treatment_members') }} + {{ safe_divide(1, 'control_members') }})
        ) as pooled_standard_error,
        {{ safe_divide(
            'power(treatment_members - expected_treatment_members, 2)',
            'expected_treatment_members',
        ) }}
        + {{ safe_divide(
            'power(control_members - expected_control_members, 2)', 'expected_control_members',
        ) }} as sample_ratio_chi_square
    from rates
),

statistics as (
    select
        *,
        {{ safe_divide('conversion_uplift', 'pooled_standard_error') }} as uplift_z_score
    from errors
),

final as (
    select
        campaign_id,
        campaign_name,
        segment_at_send,
        channel,
        started_at,
        cast(treatment_members as bigint) as treatment_members,
        cast(control_members as bigint) as control_members,
        cast(delivered as bigint) as delivered,
        cast(opened as bigint) as opened,
        cast(clicked as bigint) as clicked,
        cast(unsubscribed as bigint) as unsubscribed,
        {{ safe_divide('delivered', 'treatment_members') }} as delivery_rate,
        {{ safe_divide('opened', 'delivered') }} as open_rate,
        {{ safe_divide('clicked', 'opened') }} as click_rate,
        {{ safe_divide('unsubscribed', 'delivered') }} as unsubscribe_rate,
        cast(treatment_conversions as bigint) as treatment_conversions,
        cast(control_conversions as bigint) as control_conversions,
        treatment_conversion_rate,
        control_conversion_rate,
        {{ safe_divide('treatment_revenue', 'treatment_orders') }}
            as treatment_average_order_value,
        cast(treatment_revenue as double) as treatment_revenue,
        cast(control_revenue as double) as control_revenue,
        allocated_cost,
        conversion_uplift,
        {{ safe_divide('conversion_uplift', 'control_conversion_rate') }}
            as relative_conversion_uplift,
        conversion_uplift - 1.96 * uplift_standard_error as conversion_uplift_ci_lower,
        conversion_uplift + 1.96 * uplift_standard_error as conversion_uplift_ci_upper,
        {{ two_sided_p_value('uplift_z_score') }} as uplift_p_value,
        conversion_uplift * treatment_members as incremental_conversions,
        revenue_uplift_per_member * treatment_members as incremental_revenue,
        margin_uplift_per_member * treatment_members as incremental_margin,
        {{ safe_divide(
            'margin_uplift_per_member * treatment_members - allocated_cost', 'allocated_cost',
        ) }} as return_on_investment,
        cast({{ design_share }} as double) as design_treatment_share,
        {{ safe_divide('treatment_members', 'treatment_members + control_members') }}
            as observed_treatment_share,
        {{ two_sided_p_value('sqrt(sample_ratio_chi_square)') }} as sample_ratio_p_value
    from statistics
)

select * from final
