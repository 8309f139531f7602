-- What past campaigns taught about each segment: the incremental effect of
-- contacting a customer (treatment minus control), pooled across campaigns
-- and shrunk toward a prior. README, "How the loop learns".
--
-- Grain: one row per breakdown x segment x breakdown value.
--   segment         every segment of the RFM scheme (seed segments), history or not
--   offer_category  every RFM segment x product category (catalogue or campaigns)
--   discount_rate   every segment x offer discount seen in campaign members
-- A breakdown cell compares treatment and control members with the same
-- segment at send and the same offer (control members carry the offer they
-- would have received), so every cell is a randomised comparison.
--
-- Pooling: each campaign is a stratum with its own difference d_c and
-- unpooled variance v_c; the fixed weights w_c = n_t n_c / (n_t + n_c)
-- (Cochran-Mantel-Haenszel risk-difference weights) give
--   raw = sum(w d) / sum(w),  var(raw) = sum(w^2 v) / sum(w)^2.
-- Conversion: v = p_t (1 - p_t) / n_t + p_c (1 - p_c) / n_c, where a group
-- with no or only conversions (p = 0 or 1, variance 0) uses the add-half
-- rate (x + 0.5) / (n + 1) instead, so one campaign cannot claim certainty.
-- Margin: Welch, v = s_t^2 / n_t + s_c^2 / n_c from per-group sums of
-- squares; a group whose sample variance is 0 or undefined (one member, or
-- nobody bought) uses the segment's per-member margin variance over all its
-- members (the overall one if that is 0 too). A stratum needs both groups.
--
-- Shrinkage: a normal prior worth k = var('segment_uplift_prior_members')
-- members, with n = sum(w) members of evidence:
--   shrunk = (n raw + k prior) / (n + k),  sd = se sqrt(n / (n + k)),
-- computed as sqrt(sigma^2 / (n + k)) with sigma^2 = se^2 n = sum(w^2 v) / n.
-- Segment rows shrink toward the overall effect (every segment x campaign
-- stratum pooled the same way); offer_category and discount_rate rows
-- toward their segment's shrunk effect. Without evidence a row equals its
-- prior, with sd = sigma / sqrt(k), sigma the prior level's. Treating the
-- prior's mean as known makes these intervals slightly narrow. Without any
-- campaign history everything is null.
--
-- Only members whose attribution window closed before the as-of date teach
-- the loop: a send still inside its window has not had the time to convert
-- (its uplift would read low), and with as_of_date pinned in the past,
-- later campaigns are the future.

{%- set k = var('segment_uplift_prior_members') %}
{%- set z = 1.959963984540054 %}

with

members as (
    select * from {{ ref('int_campaign_members_attributed') }}
),

segments as (
    select * from {{ ref('segments') }}
),

products as (
    select * from {{ ref('int_products_validated') }}
),

as_of as (
    select * from {{ ref('int_rfm_as_of') }}
),

member_values as (
    select
        members.campaign_id,
        members.segment_at_send as segment_name,
        members.offer_category,
        cast(members.offer_discount_rate as double) as discount_rate,
        members.is_treatment,
        cast(case when members.is_converted then 1 else 0 end as double) as converted,
        cast(members.attributed_margin as double) as margin
    from members
    cross join as_of
    where
        members.segment_at_send is not null
        and {{ dbt.dateadd('day', var('attribution_window_days'), 'members.sent_at') }}
        < cast(as_of.as_of_date as {{ dbt.type_timestamp() }})
),

-- Floor of a group's margin variance: the segment's per-member variance.
-- (From exact sums: var_samp adds doubles in thread order, and identical
-- builds must give identical marts.)
segment_margin_variance as (
    select
        segment_name,
        {{ sample_variance_from_sums(
            exact_sum('margin * margin'), exact_sum('margin'), 'count(*)',
        ) }}
            as margin_variance
    from member_values
    group by segment_name
),

overall_margin_variance as (
    select
        {{ sample_variance_from_sums(
            exact_sum('margin * margin'), exact_sum('margin'), 'count(*)',
        ) }}
            as margin_variance
    from member_values
),

member_cells as (
    select
        'segment' as breakdown,
        segment_name,
        'all' as breakdown_value,
        cast(null as {{ dbt.type_string() }}) as offer_category,
        cast(null as double) as discount_rate,
        campaign_id,
        is_treatment,
        converted,
        margin
    from member_values

    union all

    select
        'offer_category' as breakdown,
        segment_name,
        offer_category as breakdown_value,
        offer_category,
        cast(null as double) as discount_rate,
        campaign_id,
        is_treatment,
        converted,
        margin
    from member_values
    where offer_category is not null

    union all

    select
        'discount_rate' as breakdown,
        segment_name,
        {{ discount_label('discount_rate') }} as breakdown_value,
        cast(null as {{ dbt.type_string() }}) as offer_category,
        discount_rate,
        campaign_id,
        is_treatment,
        converted,
        margin
    from member_values
    where discount_rate is not null
),

stratum_groups as (
    select
        breakdown,
        segment_name,
        breakdown_value,
        offer_category,
        discount_rate,
        campaign_id,
        sum(case when is_treatment then 1 else 0 end) as n_t,
        sum(case when is_treatment then 0 else 1 end) as n_c,
        sum(case when is_treatment then converted else 0 end) as x_t,
        sum(case when is_treatment then 0 else converted end) as x_c,
        {{ exact_sum('case when is_treatment then margin else 0 end') }} as margin_sum_t,
        {{ exact_sum('case when is_treatment then 0 else margin end') }} as margin_sum_c,
        {{ exact_sum('case when is_treatment then margin * margin else 0 end') }}
            as margin_squares_t,
        {{ exact_sum('case when is_treatment then 0 else margin * margin end') }}
            as margin_squares_c
    from member_cells
    group by breakdown, segment_name, breakdown_value, offer_category, discount_rate, campaign_id
),

stratum_rates as (
    select
        *,
        cast(x_t as double) / n_t as p_t,
        cast(x_c as double) / n_c as p_c,
        (x_t + 0.5) / (n_t + 1.0) as p_t_floor,
        (x_c + 0.5) / (n_c + 1.0) as p_c_floor,
        margin_sum_t / n_t as mean_t,
        margin_sum_c / n_c as mean_c,
        case
            when n_t > 1
                then (margin_squares_t - margin_sum_t * margin_sum_t / n_t) / (n_t - 1)
        end as s2_t,
        case
            when n_c > 1
                then (margin_squares_c - margin_sum_c * margin_sum_c / n_c) / (n_c - 1)
        end as s2_c
    from stratum_groups
    -- A campaign stratum needs both groups to compare.
    where n_t > 0 and n_c > 0
),

strata as (
    select
        stratum_rates.breakdown,
        stratum_rates.segment_name,
        stratum_rates.breakdown_value,
        stratum_rates.offer_category,
        stratum_rates.discount_rate,
        stratum_rates.campaign_id,
        stratum_rates.n_t,
        stratum_rates.n_c,
        stratum_rates.x_t,
        stratum_rates.x_c,
        cast(stratum_rates.n_t * stratum_rates.n_c as double)
        / (stratum_rates.n_t + stratum_rates.n_c) as w,
        stratum_rates.p_t - stratum_rates.p_c as conversion_difference,
        case
            when stratum_rates.x_t in (0, stratum_rates.n_t)
                then stratum_rates.p_t_floor * (1 - stratum_rates.p_t_floor)
            else stratum_rates.p_t * (1 - stratum_rates.p_t)
        end / stratum_rates.n_t
        + case
            when stratum_rates.x_c in (0, stratum_rates.n_c)
                then stratum_rates.p_c_floor * (1 - stratum_rates.p_c_floor)
            else stratum_rates.p_c * (1 - stratum_rates.p_c)
        end / stratum_rates.n_c as conversion_variance,
        stratum_rates.mean_t - stratum_rates.mean_c as margin_difference,
        -- 1e-12: a sum of squares of equal values can leave rounding dust.
        case
            when stratum_rates.s2_t > 1e-12 then stratum_rates.s2_t
            else coalesce(
                nullif(segment_margin_variance.margin_variance, 0),
                overall_margin_variance.margin_variance
            )
        end / stratum_rates.n_t
        + case
            when stratum_rates.s2_c > 1e-12 then stratum_rates.s2_c
            else coalesce(
                nullif(segment_margin_variance.margin_variance, 0),
                overall_margin_variance.margin_variance
            )
        end / stratum_rates.n_c as margin_variance
    from stratum_rates
    inner join segment_margin_variance
        on stratum_rates.segment_name = segment_margin_variance.segment_name
    cross join overall_margin_variance
),

pooled as (
    select
        breakdown,
        segment_name,
        breakdown_value,
        offer_category,
        discount_rate,
        count(*) as campaigns,
        sum(n_t) as treatment_members,
        sum(n_c) as control_members,
        sum(x_t) as treatment_conversions,
        sum(x_c) as control_conversions,
        {{ exact_sum('w') }} as effective_members,
        {{ exact_sum('w * conversion_difference') }} / {{ exact_sum('w') }}
            as raw_conversion_uplift,
        {{ exact_sum('w * w * conversion_variance') }} as conversion_variance_sum,
        {{ exact_sum('w * margin_difference') }} / {{ exact_sum('w') }}
            as raw_incremental_margin_per_contact,
        {{ exact_sum('w * w * margin_variance') }} as margin_variance_sum
    from strata
    group by breakdown, segment_name, breakdown_value, offer_category, discount_rate
),

-- The overall effect: every segment x campaign stratum, the same weights.
-- sigma^2 = se^2 n = sum(w^2 v) / sum(w): the per-member variance a level's
-- evidence implies (its prior, worth k members, has variance sigma^2 / k).
overall_prior as (
    select
        {{ exact_sum('w * conversion_difference') }} / {{ exact_sum('w') }} as conversion_uplift,
        {{ exact_sum('w * margin_difference') }} / {{ exact_sum('w') }}
            as incremental_margin_per_contact,
        {{ exact_sum('w * w * conversion_variance') }} / {{ exact_sum('w') }}
            as conversion_member_variance,
        {{ exact_sum('w * w * margin_variance') }} / {{ exact_sum('w') }}
            as margin_member_variance
    from strata
    where breakdown = 'segment'
),

rfm_segments as (
    select segment_name from segments
    where scheme in ('rfm_rule', 'both', 'rfm_unscored')
),

segment_rows as (
    select
        'segment' as breakdown,
        rfm_segments.segment_name,
        'all' as breakdown_value,
        cast(null as {{ dbt.type_string() }}) as offer_category,
        cast(null as double) as discount_rate
    from rfm_segments

    union

    -- A segment name seen only in campaign files keeps its evidence too.
    select
        breakdown,
        segment_name,
        breakdown_value,
        offer_category,
        discount_rate
    from pooled
    where breakdown = 'segment'
),

segment_shrunk as (
    select
        segment_rows.breakdown,
        segment_rows.segment_name,
        segment_rows.breakdown_value,
        segment_rows.offer_category,
        segment_rows.discount_rate,
        pooled.campaigns,
        pooled.treatment_members,
        pooled.control_members,
        pooled.treatment_conversions,
        pooled.control_conversions,
        pooled.effective_members,
        pooled.raw_conversion_uplift,
        sqrt(pooled.conversion_variance_sum / (pooled.effective_members * pooled.effective_members))
            as raw_conversion_uplift_se,
        pooled.raw_incremental_margin_per_contact,
        sqrt(pooled.margin_variance_sum / (pooled.effective_members * pooled.effective_members))
            as raw_incremental_margin_per_contact_se,
        'overall' as prior_source,
        overall_prior.conversion_uplift as prior_conversion_uplift,
        overall_prior.incremental_margin_per_contact as prior_incremental_margin_per_contact,
        coalesce(
            pooled.conversion_variance_sum / pooled.effective_members,
            overall_prior.conversion_member_variance
        ) as conversion_member_variance,
        coalesce(
            pooled.margin_variance_sum / pooled.effective_members,
            overall_prior.margin_member_variance
        ) as margin_member_variance
    from segment_rows
    cross join overall_prior
    left join pooled
        on
            segment_rows.segment_name = pooled.segment_name
            and pooled.breakdown = 'segment'
),

segment_posterior as (
    select
        *,
        {{ shrunk_effect_columns(k) }}
    from segment_shrunk
),

categories as (
    select distinct category from products
    where category is not null
),

breakdown_rows as (
    select
        'offer_category' as breakdown,
        rfm_segments.segment_name,
        categories.category as breakdown_value,
        categories.category as offer_category,
        cast(null as double) as discount_rate
    from rfm_segments
    cross join categories

    union

    select
        breakdown,
        segment_name,
        breakdown_value,
        offer_category,
        discount_rate
    from pooled
    where breakdown in ('offer_category', 'discount_rate')
),

breakdown_shrunk as (
    select
        breakdown_rows.breakdown,
        breakdown_rows.segment_name,
        breakdown_rows.breakdown_value,
        breakdown_rows.offer_category,
        breakdown_rows.discount_rate,
        pooled.campaigns,
        pooled.treatment_members,
        pooled.control_members,
        pooled.treatment_conversions,
        pooled.control_conversions,
        pooled.effective_members,
        pooled.raw_conversion_uplift,
        sqrt(pooled.conversion_variance_sum / (pooled.effective_members * pooled.effective_members))
            as raw_conversion_uplift_se,
        pooled.raw_incremental_margin_per_contact,
        sqrt(pooled.margin_variance_sum / (pooled.effective_members * pooled.effective_members))
            as raw_incremental_margin_per_contact_se,
        'segment' as prior_source,
        segment_posterior.shrunk_conversion_uplift as prior_conversion_uplift,
        segment_posterior.shrunk_incremental_margin_per_contact
            as prior_incremental_margin_per_contact,
        coalesce(
            pooled.conversion_variance_sum / pooled.effective_members,
            segment_posterior.conversion_member_variance
        ) as conversion_member_variance,
        coalesce(
            pooled.margin_variance_sum / pooled.effective_members,
            segment_posterior.margin_member_variance
        ) as margin_member_variance
    from breakdown_rows
    inner join segment_posterior
        on breakdown_rows.segment_name = segment_posterior.segment_name
    left join pooled
        on
            breakdown_rows.breakdown = pooled.breakdown
            and breakdown_rows.segment_name = pooled.segment_name
            and breakdown_rows.breakdown_value = pooled.breakdown_value
),

breakdown_posterior as (
    select
        *,
        {{ shrunk_effect_columns(k) }}
    from breakdown_shrunk
),

all_rows as (
    select * from segment_posterior
    union all
    select * from breakdown_posterior
),

final as (
    select
        cast(all_rows.breakdown as {{ dbt.type_string() }}) as breakdown,
        cast(all_rows.segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(all_rows.breakdown_value as {{ dbt.type_string() }}) as breakdown_value,
        cast(all_rows.offer_category as {{ dbt.type_string() }}) as offer_category,
        all_rows.discount_rate,
        cast(coalesce(all_rows.campaigns, 0) as integer) as campaigns,
        cast(coalesce(all_rows.treatment_members, 0) as bigint) as treatment_members,
        cast(coalesce(all_rows.control_members, 0) as bigint) as control_members,
        cast(coalesce(all_rows.treatment_conversions, 0) as bigint) as treatment_conversions,
        cast(coalesce(all_rows.control_conversions, 0) as bigint) as control_conversions,
        cast(coalesce(all_rows.effective_members, 0) as double) as effective_members,
        all_rows.effective_members is not null as has_history,
        all_rows.raw_conversion_uplift,
        all_rows.raw_conversion_uplift_se,
        all_rows.raw_conversion_uplift - {{ z }} * all_rows.raw_conversion_uplift_se
            as raw_conversion_uplift_ci_lower,
        all_rows.raw_conversion_uplift + {{ z }} * all_rows.raw_conversion_uplift_se
            as raw_conversion_uplift_ci_upper,
        all_rows.raw_incremental_margin_per_contact,
        all_rows.raw_incremental_margin_per_contact_se,
        all_rows.raw_incremental_margin_per_contact
        - {{ z }} * all_rows.raw_incremental_margin_per_contact_se
            as raw_incremental_margin_per_contact_ci_lower,
        all_rows.raw_incremental_margin_per_contact
        + {{ z }} * all_rows.raw_incremental_margin_per_contact_se
            as raw_incremental_margin_per_contact_ci_upper,
        all_rows.shrunk_conversion_uplift,
        all_rows.shrunk_conversion_uplift_sd,
        all_rows.shrunk_conversion_uplift - {{ z }} * all_rows.shrunk_conversion_uplift_sd
            as shrunk_conversion_uplift_ci_lower,
        all_rows.shrunk_conversion_uplift + {{ z }} * all_rows.shrunk_conversion_uplift_sd
            as shrunk_conversion_uplift_ci_upper,
        all_rows.shrunk_incremental_margin_per_contact,
        all_rows.shrunk_incremental_margin_per_contact_sd,
        all_rows.shrunk_incremental_margin_per_contact
        - {{ z }} * all_rows.shrunk_incremental_margin_per_contact_sd
            as shrunk_incremental_margin_per_contact_ci_lower,
        all_rows.shrunk_incremental_margin_per_contact
        + {{ z }} * all_rows.shrunk_incremental_margin_per_contact_sd
            as shrunk_incremental_margin_per_contact_ci_upper,
        cast(all_rows.prior_source as {{ dbt.type_string() }}) as prior_source,
        all_rows.prior_conversion_uplift,
        all_rows.prior_incremental_margin_per_contact,
        overall_prior.conversion_uplift as overall_conversion_uplift,
        overall_prior.incremental_margin_per_contact as overall_incremental_margin_per_contact,
        cast({{ k }} as double) as prior_members
    from all_rows
    cross join overall_prior
)

select * from final
