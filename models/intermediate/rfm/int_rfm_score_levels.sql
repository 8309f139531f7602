-- One row per measure and score level 1..N of the current scores: how many
-- customers have it and the range of raw values it covers, so a reader sees
-- what "R = 4" means in days. An empty level gets the reason it is empty,
-- and the post-hook warns about it by name (macros/rfm_score_levels.sql).

{%- set buckets = checked_var('rfm_score_buckets') %}

{{ config(post_hook="{{ warn_empty_rfm_score_levels(this) }}") }}

with

scored_customers as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

levels as (
    select level_values.score from (
        values
        {%- for score in range(1, buckets + 1) %}
        ({{ score }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as level_values (score)
),

measures as (
    select
        measure_values.measure,
        measure_values.score_basis
    from (
        values
        {%- for measure in rfm_measures() %}
        ('{{ measure }}', '{{ rfm_score_basis(measure) }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as measure_values (measure, score_basis)
),

customer_scores as (
    select
        'recency_days' as measure,
        r_score as score,
        cast(recency_days as double) as measure_value
    from scored_customers

    union all

    select
        'frequency' as measure,
        f_score as score,
        cast(frequency as double) as measure_value
    from scored_customers

    union all

    select
        'monetary' as measure,
        m_score as score,
        cast(monetary as double) as measure_value
    from scored_customers
),

-- The top value of a level is its best one: fewest days, most orders or revenue.
level_stats as (
    select
        measure,
        score,
        count(*) as customers,
        min(measure_value) as min_value,
        max(measure_value) as max_value,
        case when measure = 'recency_days' then min(measure_value) else max(measure_value) end
            as top_value
    from customer_scores
    group by measure, score
),

top_value_customers as (
    select
        level_stats.measure,
        level_stats.score,
        count(*) as top_value_customers
    from level_stats
    inner join customer_scores
        on
            level_stats.measure = customer_scores.measure
            and level_stats.score = customer_scores.score
            and level_stats.top_value = customer_scores.measure_value
    group by level_stats.measure, level_stats.score
),

measure_totals as (
    select
        measure,
        count(*) as scored_customers,
        count(distinct measure_value) as distinct_values
    from customer_scores
    group by measure
),

all_levels as (
    select
        measures.measure,
        measures.score_basis,
        levels.score,
        coalesce(level_stats.customers, 0) as customers,
        level_stats.min_value,
        level_stats.max_value,
        top_value_customers.top_value_customers,
        level_stats.top_value,
        measure_totals.scored_customers,
        measure_totals.distinct_values
    from measures
    cross join levels
    inner join measure_totals
        on measures.measure = measure_totals.measure
    left join level_stats
        on measures.measure = level_stats.measure and levels.score = level_stats.score
    left join top_value_customers
        on
            measures.measure = top_value_customers.measure
            and levels.score = top_value_customers.score
),

-- Under quantile scoring a run of equal values takes the lowest level any of
-- them reaches, so an empty level is swallowed by the nearest non-empty level
-- below it: its top value is the tie that did it.
with_absorbing_level as (
    select
        *,
        max(case when customers > 0 then score end) over (
            partition by measure order by score rows between unbounded preceding and current row
        ) as absorbing_score
    from all_levels
),

final as (
    select
        with_absorbing_level.measure,
        with_absorbing_level.score,
        '{{ checked_var("rfm_scoring_method") }}' as scoring_method,
        with_absorbing_level.score_basis,
        cast(with_absorbing_level.customers as bigint) as customers,
        with_absorbing_level.min_value,
        with_absorbing_level.max_value,
        cast(with_absorbing_level.scored_customers as bigint) as scored_customers,
        cast(with_absorbing_level.distinct_values as bigint) as distinct_values,
        case
            when with_absorbing_level.customers > 0 then cast(null as {{ dbt.type_string() }})
            when with_absorbing_level.score_basis = 'threshold' then 'no_value_in_range'
            when with_absorbing_level.distinct_values < {{ buckets }} then 'fewer_distinct_values'
            else 'tied_values'
        end as empty_reason,
        case when with_absorbing_level.customers = 0 then absorbing.score end as absorbing_score,
        case when with_absorbing_level.customers = 0 then absorbing.top_value end
            as absorbing_top_value,
        cast(
            case when with_absorbing_level.customers = 0 then absorbing.top_value_customers end
            as bigint
        ) as absorbing_top_value_customers
    from with_absorbing_level
    left join all_levels as absorbing
        on
            with_absorbing_level.measure = absorbing.measure
            and with_absorbing_level.absorbing_score = absorbing.score
)

select * from final
