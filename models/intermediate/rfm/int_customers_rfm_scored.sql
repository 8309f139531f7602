-- NTILE scores 1..N (N = var('rfm_score_buckets')) for recency, frequency and
-- monetary, and the classic segment from the rule table.
--
-- NTILE alone splits a run of equal values across buckets arbitrarily (and
-- differently from run to run). We order by the value and then customer_id,
-- so the tiles are deterministic, and then give every customer in a tie group
-- the lowest tile any of them received: equal raw values, equal scores.

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
        -- Fewer days since the last order is better, so recency tiles run
        -- from the longest gap (tile 1) to the shortest (tile N).
        ntile({{ buckets }}) over (order by recency_days desc, customer_id) as recency_tile,
        ntile({{ buckets }}) over (order by frequency, customer_id) as frequency_tile,
        ntile({{ buckets }}) over (order by monetary, customer_id) as monetary_tile
    from features
),

scored as (
    select
        *,
        min(recency_tile) over (partition by recency_days) as r_score,
        min(frequency_tile) over (partition by frequency) as f_score,
        min(monetary_tile) over (partition by monetary) as m_score
    from tiled
),

-- The rule table is written on the 1..5 scale; other bucket counts map onto it.
on_rule_scale as (
    select
        *,
        cast(ceiling(r_score * 5.0 / {{ buckets }}) as integer) as r_rule_score,
        cast(ceiling(f_score * 5.0 / {{ buckets }}) as integer) as f_rule_score,
        cast(ceiling(m_score * 5.0 / {{ buckets }}) as integer) as m_rule_score
    from scored
),

segmented as (
    select
        on_rule_scale.customer_id,
        on_rule_scale.recency_days,
        on_rule_scale.frequency,
        on_rule_scale.monetary,
        on_rule_scale.gross_revenue,
        on_rule_scale.returned_revenue,
        on_rule_scale.first_ordered_at,
        on_rule_scale.last_ordered_at,
        on_rule_scale.as_of_date,
        cast(on_rule_scale.r_score as integer) as r_score,
        cast(on_rule_scale.f_score as integer) as f_score,
        cast(on_rule_scale.m_score as integer) as m_score,
        cast(on_rule_scale.r_score as {{ dbt.type_string() }})
        || cast(on_rule_scale.f_score as {{ dbt.type_string() }})
        || cast(on_rule_scale.m_score as {{ dbt.type_string() }}) as rfm_score,
        segment_rules.segment_name as rfm_segment,
        segment_rules.rule_id as rfm_segment_rule_id
    from on_rule_scale
    left join segment_rules
        on
            on_rule_scale.r_rule_score between segment_rules.r_min and segment_rules.r_max
            and on_rule_scale.f_rule_score between segment_rules.f_min and segment_rules.f_max
            and on_rule_scale.m_rule_score between segment_rules.m_min and segment_rules.m_max
)

select * from segmented
