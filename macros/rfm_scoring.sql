{#- The RFM scoring expressions, shared by the current scores
    (int_customers_rfm_scored) and the monthly snapshots
    (int_customer_snapshots_rfm_scored) so both score exactly alike.

    Step 1, rfm_tiles: NTILE(N) ordered by the value, then customer_id, so the
    tiles are deterministic. Fewer days since the last order is better, so
    recency runs from the longest gap (tile 1) to the shortest (tile N).
    Step 2, rfm_tie_scores: NTILE splits a run of equal values across buckets;
    every customer in such a run gets the lowest tile any of them received, so
    equal raw values always get equal scores. -#}

{% macro rfm_tiles(buckets, partition_by=none) -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    ntile({{ buckets }}) over ({{ partition }}order by recency_days desc, customer_id) as recency_tile,
    ntile({{ buckets }}) over ({{ partition }}order by frequency, customer_id) as frequency_tile,
    ntile({{ buckets }}) over ({{ partition }}order by monetary, customer_id) as monetary_tile
{%- endmacro %}


{% macro rfm_tie_scores(partition_by=none) -%}
    {%- set partition = partition_by ~ ', ' if partition_by else '' -%}
    cast(min(recency_tile) over (partition by {{ partition }}recency_days) as integer) as r_score,
    cast(min(frequency_tile) over (partition by {{ partition }}frequency) as integer) as f_score,
    cast(min(monetary_tile) over (partition by {{ partition }}monetary) as integer) as m_score
{%- endmacro %}


{#- The rule table is written on the 1..5 scale; other bucket counts map onto
    it. Returns the join condition between scored rows and rfm_segment_rules. -#}
{% macro rfm_rule_matches(scored, rules, buckets) -%}
    {%- for dimension in ['r', 'f', 'm'] %}
    {% if not loop.first %}and {% endif -%}
    cast(ceiling({{ scored }}.{{ dimension }}_score * 5.0 / {{ buckets }}) as integer)
        between {{ rules }}.{{ dimension }}_min and {{ rules }}.{{ dimension }}_max
    {%- endfor %}
{%- endmacro %}


{#- '451' style string of the three scores. -#}
{% macro rfm_score_string(scored) -%}
    cast({{ scored }}.r_score as {{ dbt.type_string() }})
    || cast({{ scored }}.f_score as {{ dbt.type_string() }})
    || cast({{ scored }}.m_score as {{ dbt.type_string() }})
{%- endmacro %}
