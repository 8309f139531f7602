{#- The RFM scoring expressions, shared by the current scores
    (int_customers_rfm_scored) and the monthly snapshots
    (int_customer_snapshots_rfm_scored) so both score exactly alike.

    A score is the NTILE(N) bucket a customer would get ordered by the value,
    then customer_id, except that a run of equal values, which NTILE splits
    across buckets, all get the lowest bucket any of them received: equal raw
    values always get equal scores. Fewer days since the last order is better,
    so recency runs from the longest gap (score 1) to the shortest (score N).

    NTILE is non-decreasing along its order, so the lowest bucket of a run is
    the bucket of the run's first row, whose position is rank() over the value
    alone. Hence two steps, one window sort per measure instead of two:
    rfm_ranks (rank and population size), then rfm_scores (the NTILE bucket of
    that position, by NTILE's own arithmetic). -#}

{% macro rfm_ranks(partition_by=none) -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    rank() over ({{ partition }}order by recency_days desc) as recency_rank,
    rank() over ({{ partition }}order by frequency) as frequency_rank,
    rank() over ({{ partition }}order by monetary) as monetary_rank,
    count(*) over ({{ partition|trim }}) as scored_customers
{%- endmacro %}


{% macro rfm_scores(buckets) -%}
    {{ ntile_of_position('recency_rank', 'scored_customers', buckets) }} as r_score,
    {{ ntile_of_position('frequency_rank', 'scored_customers', buckets) }} as f_score,
    {{ ntile_of_position('monetary_rank', 'scored_customers', buckets) }} as m_score
{%- endmacro %}


{#- The bucket NTILE(buckets) gives the row at 1-based `position` of `row_count`
    rows: with q = row_count div b and r = row_count mod b (b = buckets, at
    most row_count), the first r buckets hold q + 1 rows and the rest q. Double
    division and floor, because `/` truncates integers on Athena and does not
    on DuckDB. -#}
{% macro ntile_of_position(position, row_count, buckets) -%}
    {%- set b = 'least(' ~ buckets ~ ', ' ~ row_count ~ ')' -%}
    {%- set q = 'floor(' ~ row_count ~ ' / cast(' ~ b ~ ' as double))' -%}
    {%- set r = '(' ~ row_count ~ ' - ' ~ q ~ ' * ' ~ b ~ ')' -%}
    cast(
        case
            when {{ position }} <= {{ r }} * ({{ q }} + 1)
                then floor(({{ position }} - 1) / ({{ q }} + 1)) + 1
            else {{ r }} + floor(({{ position }} - 1 - {{ r }} * ({{ q }} + 1)) / {{ q }}) + 1
        end
        as integer
    )
{%- endmacro %}


{#- Every (R, F, M) score triple on the 1..buckets scale with its segment from
    the rule table, as a query to join on the three scores (an equality join,
    cheaper than matching every customer against the rule boxes). The rules
    are written on the 1..5 scale; a score s of N buckets maps onto it by
    1 + round((s - 1) x 4 / (N - 1)), which keeps both ends (1 and N map to 1
    and 5), so Lost and Champions stay reachable for every N. -#}
{% macro rfm_score_segments(rules, buckets) -%}
    {%- set scale = [] -%}
    {%- for score in range(1, buckets + 1) -%}
        {%- set on_five = 1 + (((score - 1) * 4 / (buckets - 1) + 0.5) | int) if buckets > 1 else 1 -%}
        {%- do scale.append('(' ~ score ~ ', ' ~ on_five ~ ')') -%}
    {%- endfor -%}
    {%- set score_scale = '(values ' ~ scale | join(', ') ~ ')' %}
    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score,
        {{ rules }}.segment_name,
        {{ rules }}.rule_id
    from {{ score_scale }} as r (score, rule_score)
    cross join {{ score_scale }} as f (score, rule_score)
    cross join {{ score_scale }} as m (score, rule_score)
    inner join {{ rules }}
        on
            r.rule_score between {{ rules }}.r_min and {{ rules }}.r_max
            and f.rule_score between {{ rules }}.f_min and {{ rules }}.f_max
            and m.rule_score between {{ rules }}.m_min and {{ rules }}.m_max
{%- endmacro %}


{#- '451' style string of the three scores. -#}
{% macro rfm_score_string(scored) -%}
    cast({{ scored }}.r_score as {{ dbt.type_string() }})
    || cast({{ scored }}.f_score as {{ dbt.type_string() }})
    || cast({{ scored }}.m_score as {{ dbt.type_string() }})
{%- endmacro %}
