-- The segment rule table must be a partition of the 5 x 5 x 5 score cube:
--   exclusive   every (R, F, M) matches at most one rule,
--   exhaustive  every (R, F, M) matches at least one rule,
--   reachable   every one of the eleven classic names is the answer for
--               some (R, F, M),
-- and the rule boxes must be well formed. Returns one row per violation.

with

segment_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

expected_segments as (
    select segment_values.segment_name from (
        values
        ('Champions'), ('Loyal Customers'), ('Potential Loyalists'), ('New Customers'),
        ('Promising'), ('Need Attention'), ('About to Sleep'), ('At Risk'),
        ('Cannot Lose Them'), ('Hibernating'), ('Lost')
    ) as segment_values (segment_name)
),

scores as (
    select score_values.score from (values (1), (2), (3), (4), (5)) as score_values (score)
),

score_cube as (
    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m
),

matches as (
    select
        score_cube.r_score,
        score_cube.f_score,
        score_cube.m_score,
        count(segment_rules.rule_id) as matching_rules
    from score_cube
    left join segment_rules
        on
            score_cube.r_score between segment_rules.r_min and segment_rules.r_max
            and score_cube.f_score between segment_rules.f_min and segment_rules.f_max
            and score_cube.m_score between segment_rules.m_min and segment_rules.m_max
    group by score_cube.r_score, score_cube.f_score, score_cube.m_score
),

reached_segments as (
    select distinct segment_rules.segment_name
    from score_cube
    inner join segment_rules
        on
            score_cube.r_score between segment_rules.r_min and segment_rules.r_max
            and score_cube.f_score between segment_rules.f_min and segment_rules.f_max
            and score_cube.m_score between segment_rules.m_min and segment_rules.m_max
),

violations as (
    select
        case when matching_rules = 0 then 'not covered' else 'overlapping rules' end as violation,
        cast(r_score as {{ dbt.type_string() }})
        || cast(f_score as {{ dbt.type_string() }})
        || cast(m_score as {{ dbt.type_string() }}) as subject
    from matches
    where matching_rules != 1

    union all

    select
        'unreachable segment' as violation,
        expected_segments.segment_name as subject
    from expected_segments
    left join reached_segments
        on expected_segments.segment_name = reached_segments.segment_name
    where reached_segments.segment_name is null

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
