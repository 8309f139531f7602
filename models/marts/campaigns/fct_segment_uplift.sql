-- Published as is: int_segment_uplift holds the method (pooling across
-- campaigns, shrinkage toward the overall effect); README, "How the loop
-- learns".

with

uplift as (
    select * from {{ ref('int_segment_uplift') }}
),

final as (
    select
        breakdown,
        segment_name,
        breakdown_value,
        offer_category,
        discount_rate,
        campaigns,
        treatment_members,
        control_members,
        treatment_conversions,
        control_conversions,
        effective_members,
        has_history,
        raw_conversion_uplift,
        raw_conversion_uplift_se,
        raw_conversion_uplift_ci_lower,
        raw_conversion_uplift_ci_upper,
        raw_incremental_margin_per_contact,
        raw_incremental_margin_per_contact_se,
        raw_incremental_margin_per_contact_ci_lower,
        raw_incremental_margin_per_contact_ci_upper,
        shrunk_conversion_uplift,
        shrunk_conversion_uplift_sd,
        shrunk_conversion_uplift_ci_lower,
        shrunk_conversion_uplift_ci_upper,
        shrunk_incremental_margin_per_contact,
        shrunk_incremental_margin_per_contact_sd,
        shrunk_incremental_margin_per_contact_ci_lower,
        shrunk_incremental_margin_per_contact_ci_upper,
        prior_source,
        prior_conversion_uplift,
        prior_incremental_margin_per_contact,
        overall_conversion_uplift,
        overall_incremental_margin_per_contact,
        prior_members
    from uplift
)

select * from final
