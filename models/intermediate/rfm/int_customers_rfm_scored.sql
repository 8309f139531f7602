-- NTILE scores 1..N (N = var('rfm_score_buckets')) for recency, frequency and
-- monetary, and the classic segment from the rule table. The scoring rules
-- (deterministic tiles, equal values get equal scores) are in
-- macros/rfm_scoring.sql.

{%- set buckets = var('rfm_score_buckets') %}

with

features as (
    select * from {{ ref('int_customers_rfm_features') }}
),

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

tiled as (
    select
        *,
        {{ rfm_tiles(buckets) }}
    from features
),

scored as (
    select
        *,
        {{ rfm_tie_scores() }}
    from tiled
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
        segment_rules.segment_name as rfm_segment,
        segment_rules.rule_id as rfm_segment_rule_id
    from scored
    left join segment_rules
        on {{ rfm_rule_matches('scored', 'segment_rules', buckets) }}
)

select * from segmented
