-- Campaign results per campaign x segment at send x channel, measured against
-- the control group. Statistics (95 % level, z = 1.959963984540054):
--   uplift           = treatment rate - control rate
--   uplift interval  = Newcombe hybrid score (method 10, from the two Wilson
--                      intervals; macros/statistics.sql): it keeps its
--                      coverage in small cells and at 0 % or 100 % rates,
--                      where the Wald interval collapses
--   p-value          = two-sided Fisher exact test when any expected count of
--                      the 2 x 2 table is below 5 (macros/fisher_exact_test.sql),
--                      otherwise the pooled two-proportion z test
--   q-value          = Benjamini-Hochberg within the campaign, over its cells
--                      with a p-value; is_significant = q < 0.05
--   detectable       = uplift found with 80 % power at alpha 0.05 for the
--                      cell's sizes, at the campaign's pooled control rate
--   incremental X    = (X per treated member - X per control member) x treated
--                      members, with a Welch (unequal variances) normal
--                      interval on the difference of means; ROI's interval
--                      follows because the cost is fixed
--   sample ratio     = chi-square test (1 df) of the observed treatment/control
--                      split against the campaign's planned split: its
--                      treatment_share, else var('campaign_design_treatment_share')
--                      (campaigns of the closed loop are split 1 - holdout_share)
-- Every rate is a fraction 0..1; a zero denominator gives null, never an error.

{%- set design_share = 'cast(coalesce(campaigns.treatment_share, '
    ~ var('campaign_design_treatment_share') ~ ') as double)' %}
{#- z of 80 % power, scipy.stats.norm.ppf(0.8) -#}
{%- set z_power_80 = 0.8416212335729143 %}

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
        -- a missing label or segment counts as disagreement
        coalesce(members.segment_label_in_file = members.segment_at_send, false)
            as is_segment_label_agreed,
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
        sum(case when is_treatment then 0 else attributed_margin end) as control_margin,
        -- sums of squares, for the Welch intervals of the money measures
        -- (doubles: a decimal square can overflow Athena's 38 digits; added
        -- by exact_sum so identical builds give identical marts)
        {%- set revenue_square = 'power(cast(attributed_revenue as double), 2)' %}
        {%- set margin_square = 'power(cast(attributed_margin as double), 2)' %}
        {{ exact_sum('case when is_treatment then ' ~ revenue_square ~ ' else 0 end') }}
            as treatment_revenue_squares,
        {{ exact_sum('case when is_treatment then 0 else ' ~ revenue_square ~ ' end') }}
            as control_revenue_squares,
        {{ exact_sum('case when is_treatment then ' ~ margin_square ~ ' else 0 end') }}
            as treatment_margin_squares,
        {{ exact_sum('case when is_treatment then 0 else ' ~ margin_square ~ ' end') }}
            as control_margin_squares,
        sum(case when is_segment_label_agreed then 1 else 0 end) as segment_label_agreements
    from member_rows
    group by campaign_id, segment_at_send
),

campaign_totals as (
    select
        campaign_id,
        sum(treatment_members) as campaign_treatment_members,
        sum(control_members) as campaign_control_members,
        sum(control_conversions) as campaign_control_conversions
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
            'cells.treatment_members', 'campaign_totals.campaign_treatment_members',
        ) }} as allocated_cost,
        -- the detectable uplift uses the campaign's control rate: a cell's own
        -- control group is often too small to have any conversion
        {{ safe_divide(
            'campaign_totals.campaign_control_conversions',
            'campaign_totals.campaign_control_members',
        ) }} as campaign_control_conversion_rate,
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
        {{ design_share }} as design_treatment_share,
        cast(cells.treatment_members + cells.control_members as double) * {{ design_share }}
            as expected_treatment_members,
        -- n - expected treatment, not n x (1 - share): a split exactly on
        -- design then gives a chi-square of exactly 0 (9 of 10 at 0.9:
        -- 10 x 0.9 is 9.0 in double, while 1 - 0.9 is 0.09999999999999998)
        cast(cells.treatment_members + cells.control_members as double)
        - cast(cells.treatment_members + cells.control_members as double) * {{ design_share }}
            as expected_control_members,
        -- the smallest expected count of the 2 x 2 table (group x converted)
        -- under independence: smallest row total x smallest column total / n
        cast(
            case
                when cells.treatment_members < cells.control_members then cells.treatment_members
                else cells.control_members
            end as double
        )
        * case
            when
                2 * (cells.treatment_conversions + cells.control_conversions)
                < cells.treatment_members + cells.control_members
                then cells.treatment_conversions + cells.control_conversions
            else
                cells.treatment_members + cells.control_members
                - cells.treatment_conversions - cells.control_conversions
        end
        / nullif(cells.treatment_members + cells.control_members, 0) as minimum_expected_count,
        -- Welch: each group's sample variance of revenue and margin per member
        {{ sample_variance_from_sums(
            'cells.treatment_revenue_squares', 'cells.treatment_revenue', 'cells.treatment_members',
        ) }} as treatment_revenue_variance,
        {{ sample_variance_from_sums(
            'cells.control_revenue_squares', 'cells.control_revenue', 'cells.control_members',
        ) }} as control_revenue_variance,
        {{ sample_variance_from_sums(
            'cells.treatment_margin_squares', 'cells.treatment_margin', 'cells.treatment_members',
        ) }} as treatment_margin_variance,
        {{ sample_variance_from_sums(
            'cells.control_margin_squares', 'cells.control_margin', 'cells.control_members',
        ) }} as control_margin_variance
    from cells
    inner join campaigns
        on cells.campaign_id = campaigns.campaign_id
    inner join campaign_totals
        on cells.campaign_id = campaign_totals.campaign_id
),

errors as (
    select
        *,
        treatment_conversion_rate - control_conversion_rate as conversion_uplift,
        sqrt(
            pooled_conversion_rate * (1 - pooled_conversion_rate)
            * ({{ safe_divide(1, 'treatment_members') }} + {{ safe_divide(1, 'control_members') }})
        ) as pooled_standard_error,
        -- a variance computed from sums of squares can come out a hair below
        -- 0 by rounding; such a variance is 0 (a null one, below 2 members,
        -- stays null)
        sqrt(
            {{ safe_divide(
                'case when treatment_revenue_variance < 0 then 0 else treatment_revenue_variance end',
                'treatment_members',
            ) }}
            + {{ safe_divide(
                'case when control_revenue_variance < 0 then 0 else control_revenue_variance end',
                'control_members',
            ) }}
        ) as revenue_uplift_standard_error,
        sqrt(
            {{ safe_divide(
                'case when treatment_margin_variance < 0 then 0 else treatment_margin_variance end',
                'treatment_members',
            ) }}
            + {{ safe_divide(
                'case when control_margin_variance < 0 then 0 else control_margin_variance end',
                'control_members',
            ) }}
        ) as margin_uplift_standard_error,
        case
            when treatment_members = 0 or control_members = 0 then null
            when minimum_expected_count < 5 then 'fisher_exact'
            else 'z_test'
        end as uplift_test,
        {{ safe_divide(
            'power(treatment_members - expected_treatment_members, 2)',
            'expected_treatment_members',
        ) }}
        + {{ safe_divide(
            'power(control_members - expected_control_members, 2)', 'expected_control_members',
        ) }} as sample_ratio_chi_square
    from rates
),

fisher_tables as (
    select
        campaign_id,
        segment_at_send,
        treatment_conversions,
        treatment_members,
        control_conversions,
        control_members
    from errors
    where uplift_test = 'fisher_exact'
),

fisher_p_values as (
    {{ fisher_exact_two_sided(
        'fisher_tables', ['campaign_id', 'segment_at_send'],
        'treatment_conversions', 'treatment_members', 'control_conversions', 'control_members',
    ) }}
),

statistics as (
    select
        errors.*,
        case
            when errors.uplift_test = 'fisher_exact' then fisher_p_values.p_value
            when errors.uplift_test = 'z_test'
                then {{ two_sided_p_value(
                    safe_divide('errors.conversion_uplift', 'errors.pooled_standard_error')
                ) }}
        end as uplift_p_value
    from errors
    left join fisher_p_values
        on
            errors.campaign_id = fisher_p_values.campaign_id
            and errors.segment_at_send = fisher_p_values.segment_at_send
),

p_value_ranks as (
    select
        *,
        -- Benjamini-Hochberg: m = the campaign's cells with a p-value, rank =
        -- how many of them have p <= this one (ties share the highest rank,
        -- which is what the step-up minimum below gives them anyway)
        count(uplift_p_value) over (partition by campaign_id) as campaign_tested_cells,
        count(uplift_p_value) over (
            partition by campaign_id
            order by uplift_p_value asc nulls last
            range between unbounded preceding and current row
        ) as uplift_p_value_rank
    from statistics
),

step_up_minimums as (
    select
        *,
        -- min over p' >= p of p' x m / rank(p'); null rows sort last, so
        -- they never enter a non-null row's frame
        min(
            uplift_p_value * cast(campaign_tested_cells as double)
            / cast(uplift_p_value_rank as double)
        ) over (
            partition by campaign_id
            order by uplift_p_value desc nulls last
            range between unbounded preceding and current row
        ) as step_up_minimum
    from p_value_ranks
),

q_values as (
    select
        *,
        case
            when uplift_p_value is null then null
            when step_up_minimum > 1 then 1.0
            else step_up_minimum
        end as uplift_q_value
    from step_up_minimums
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
        {{ newcombe_difference_bound(
            'treatment_conversions', 'treatment_members',
            'control_conversions', 'control_members', 'lower',
        ) }} as conversion_uplift_ci_lower,
        {{ newcombe_difference_bound(
            'treatment_conversions', 'treatment_members',
            'control_conversions', 'control_members', 'upper',
        ) }} as conversion_uplift_ci_upper,
        uplift_p_value,
        uplift_test,
        uplift_q_value,
        coalesce(uplift_q_value < 0.05, false) as is_significant,
        ({{ z_95() }} + {{ z_power_80 }}) * sqrt(
            campaign_control_conversion_rate * (1 - campaign_control_conversion_rate)
            * ({{ safe_divide(1, 'treatment_members') }} + {{ safe_divide(1, 'control_members') }})
        ) as minimum_detectable_uplift,
        campaign_control_conversion_rate,
        (
            treatment_members < {{ var('campaign_small_cell_members') }}
            or control_members < {{ var('campaign_small_cell_members') }}
            or minimum_expected_count < 5
        ) as is_small_cell,
        conversion_uplift * treatment_members as incremental_conversions,
        revenue_uplift_per_member * treatment_members as incremental_revenue,
        (revenue_uplift_per_member - {{ z_95() }} * revenue_uplift_standard_error)
        * treatment_members as incremental_revenue_ci_lower,
        (revenue_uplift_per_member + {{ z_95() }} * revenue_uplift_standard_error)
        * treatment_members as incremental_revenue_ci_upper,
        margin_uplift_per_member * treatment_members as incremental_margin,
        (margin_uplift_per_member - {{ z_95() }} * margin_uplift_standard_error)
        * treatment_members as incremental_margin_ci_lower,
        (margin_uplift_per_member + {{ z_95() }} * margin_uplift_standard_error)
        * treatment_members as incremental_margin_ci_upper,
        {{ safe_divide(
            'margin_uplift_per_member * treatment_members - allocated_cost', 'allocated_cost',
        ) }} as return_on_investment,
        -- the cost is fixed per cell, so ROI's bounds are the margin's bounds
        {{ safe_divide(
            '(margin_uplift_per_member - ' ~ z_95() ~ ' * margin_uplift_standard_error)'
            ~ ' * treatment_members - allocated_cost',
            'allocated_cost',
        ) }} as return_on_investment_ci_lower,
        {{ safe_divide(
            '(margin_uplift_per_member + ' ~ z_95() ~ ' * margin_uplift_standard_error)'
            ~ ' * treatment_members - allocated_cost',
            'allocated_cost',
        ) }} as return_on_investment_ci_upper,
        design_treatment_share,
        {{ safe_divide('treatment_members', 'treatment_members + control_members') }}
            as observed_treatment_share,
        {{ two_sided_p_value('sqrt(sample_ratio_chi_square)') }} as sample_ratio_p_value,
        {{ safe_divide('segment_label_agreements', 'treatment_members + control_members') }}
            as segment_label_agreement_rate
    from q_values
)

select * from final
