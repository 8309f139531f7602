-- Each rule set of the segment rule table must be a partition of the
-- 5 x 5 x 5 score cube:
--   exclusive   every (R, F, M) matches at most one rule of the set,
--   exhaustive  every (R, F, M) matches at least one rule of the set,
--   reachable   every RFM rule name of seed segments is the answer for
--               some (R, F, M) in every set,
-- every rule gives an RFM rule name (not a K-Means-only one such as Big
-- Spenders), and the rule boxes are well formed. Returns one row per violation.

with

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

segments as (
    select * from {{ ref('segments') }}
),

rule_sets as (
    select distinct rule_set from segment_rules
),

expected_segments as (
    select
        rule_sets.rule_set,
        segments.segment_name
    from rule_sets
    cross join segments
    where segments.scheme in ('rfm_rule', 'both')
),

scores as (
    select score_values.score from (values (1), (2), (3), (4), (5)) as score_values (score)
),

score_cube as (
    select
        rule_sets.rule_set,
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from rule_sets
    cross join scores as r
    cross join scores as f
    cross join scores as m
),

cube_matches as (
    select
        score_cube.rule_set,
        score_cube.r_score,
        score_cube.f_score,
        score_cube.m_score,
        segment_rules.rule_id,
        segment_rules.segment_name
    from score_cube
    left join segment_rules
        on
            score_cube.rule_set = segment_rules.rule_set
            and score_cube.r_score between segment_rules.r_min and segment_rules.r_max
            and score_cube.f_score between segment_rules.f_min and segment_rules.f_max
            and score_cube.m_score between segment_rules.m_min and segment_rules.m_max
),

matches as (
    select
        rule_set,
        r_score,
        f_score,
        m_score,
        count(rule_id) as matching_rules
    from cube_matches
    group by rule_set, r_score, f_score, m_score
),

reached_segments as (
    select distinct
        rule_set,
        segment_name
    from cube_matches
    where rule_id is not null
),

violations as (
    select
        case when matching_rules = 0 then 'not covered' else 'overlapping rules' end as violation,
        rule_set || ' '
        || cast(r_score as {{ dbt.type_string() }})
        || cast(f_score as {{ dbt.type_string() }})
        || cast(m_score as {{ dbt.type_string() }}) as subject
    from matches
    where matching_rules != 1

    union all

    select
        'unreachable segment' as violation,
        expected_segments.rule_set || ' ' || expected_segments.segment_name as subject
    from expected_segments
    left join reached_segments
        on
            expected_segments.rule_set = reached_segments.rule_set
            and expected_segments.segment_name = reached_segments.segment_name
    where reached_segments.segment_name is null

    union all

    select
        'not an RFM rule name in seed segments' as violation,
        cast(segment_rules.rule_id as {{ dbt.type_string() }}) as subject
    from segment_rules
    inner join segments
        on segment_rules.segment_name = segments.segment_name
    where segments.scheme not in ('rfm_rule', 'both')

    union all

    select
        'malformed rule' as violation,
        cast(rule_id as {{ dbt.type_string() }}) as subject
    from segment_rules
    where
        r_min > r_max or f_min > f_max or m_min > m_max
        or r_min < 1 or f_min < 1 or m_min < 1
        or r_max > 5 or f_max > 5 or m_max > 5
)

select * from violations
