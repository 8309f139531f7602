-- Scores 1..N (N = var('rfm_score_buckets')) for recency, frequency and
-- monetary by the run's scoring method (quantile, fixed or hybrid), and the
-- classic segment from the method's rule set. The scoring rules (equal values
-- get equal scores under every method) are in macros/rfm_scoring.sql.

{%- set buckets = checked_var('rfm_score_buckets') %}

with

features as (
    select * from {{ ref('int_customers_rfm_features') }}
),

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

score_thresholds as (
    select * from {{ ref('rfm_score_thresholds') }}
),

score_segments as (
    {{ rfm_score_segments('segment_rules', buckets) }}
),

threshold_columns as (
    {{ rfm_score_threshold_columns('score_thresholds', buckets) }}
),

ranked as (
    {{ rfm_ranked('features') }}
),

scored as (
    select
        ranked.*,
        {{ rfm_scores(buckets) }}
    from ranked
    cross join threshold_columns
),

segmented as (
    select
        scored.customer_id,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.gross_revenue,
        scored.returned_revenue,
        scored.first_ordered_at,
        scored.last_ordered_at,
        scored.as_of_date,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ rfm_score_string('scored') }} as rfm_score,
        score_segments.segment_name as rfm_segment,
        score_segments.rule_id as rfm_segment_rule_id
    from scored
    left join score_segments
        on
            scored.r_score = score_segments.r_score
            and scored.f_score = score_segments.f_score
            and scored.m_score = score_segments.m_score
)

select * from segmented
