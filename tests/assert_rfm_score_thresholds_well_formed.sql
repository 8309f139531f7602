-- The fixed score bins of seed rfm_score_thresholds must be levels a reader
-- can trust. Per measure: scores 1..K with no gap; score 1 has no threshold
-- and every other score has one; thresholds get stricter as the score rises
-- (recency: fewer days; frequency and monetary: more). A measure the run's
-- method scores by threshold must have exactly rfm_score_buckets levels.
-- Returns one row per violation.

{%- set buckets = checked_var('rfm_score_buckets') %}

with

thresholds as (
    select * from {{ ref('rfm_score_thresholds') }}
),

threshold_measures as (
    select measure_values.measure from (
        values
        {%- for measure in rfm_measures() if rfm_score_basis(measure) == 'threshold' %}
        ('{{ measure }}'),
        {%- endfor %}
        ('(none)')
    ) as measure_values (measure)
),

measure_levels as (
    select
        measure,
        count(*) as levels,
        min(score) as min_score,
        max(score) as max_score
    from thresholds
    group by measure
),

ordered as (
    select
        measure,
        score,
        threshold,
        lag(threshold) over (partition by measure order by score) as previous_threshold
    from thresholds
),

violations as (
    select
        'scores are not 1..K without gaps' as violation,
        measure as subject
    from measure_levels
    where min_score != 1 or max_score != levels

    union all

    select
        'needs {{ buckets }} levels (rfm_score_buckets) under this method' as violation,
        threshold_measures.measure as subject
    from threshold_measures
    left join measure_levels
        on threshold_measures.measure = measure_levels.measure
    where
        threshold_measures.measure != '(none)'
        and coalesce(measure_levels.levels, 0) != {{ buckets }}

    union all

    select
        case
            when score = 1 then 'score 1 must have no threshold'
            else 'score above 1 needs a threshold'
        end as violation,
        measure || ' ' || cast(score as {{ dbt.type_string() }}) as subject
    from thresholds
    where (score = 1) != (threshold is null)

    union all

    select
        'threshold not stricter than the score below' as violation,
        measure || ' ' || cast(score as {{ dbt.type_string() }}) as subject
    from ordered
    where
        score > 2
        and (
            (measure = 'recency_days' and threshold >= previous_threshold)
            or (measure != 'recency_days' and threshold <= previous_threshold)
        )
)

select * from violations
