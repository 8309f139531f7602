{#- The RFM scoring expressions, shared by the current scores
    (int_customers_rfm_scored) and the monthly snapshots
    (int_customer_snapshots_rfm_scored) so both score exactly alike.

    var('rfm_scoring_method') decides, per measure, how a value becomes a
    score 1..N (README, "Scoring methods"):

      quantile  every measure by its quantile among the scored customers;
      fixed     recency and frequency by the thresholds of seed
                rfm_score_thresholds, monetary too (or by quantile with
                var('rfm_fixed_monetary') = quantile);
      hybrid    recency by its thresholds, frequency and monetary by quantile.

    Under every method equal values get equal scores:

    - A quantile score is the NTILE(N) bucket a customer would get ordered by
      the value, then customer_id, except that a run of equal values, which
      NTILE splits across buckets, all get the lowest bucket any of them
      received. NTILE is non-decreasing along its order, so the lowest bucket
      of a run is the bucket of the run's first row, whose position is rank()
      over the value alone (rfm_ranked, per distinct value), then the
      bucket of that position by NTILE's own arithmetic (rfm_scores).
      With var('rfm_quantile_ties') = spread, the position is instead the
      value's dense rank among the D distinct values, bucketed over D: the
      distinct values are spread over the levels, so one very common value
      cannot leave a level empty (D = dense rank from the bottom + dense rank
      from the top - 1, two windows instead of a second pass).
    - A threshold score is the highest score whose threshold the value meets
      (recency: at most that many days; frequency, monetary: at least), 1 when
      it meets none. It depends on the customer alone, so it moves only with
      the customer's own orders and the passing of time.

    Fewer days since the last order is better, so recency runs from the
    longest gap (score 1) to the shortest (score N). -#}

{% macro rfm_measures() -%}
    {{ return(['recency_days', 'frequency', 'monetary']) }}
{%- endmacro %}


{#- 'threshold' or 'quantile': how `measure` is scored under the run's method. -#}
{% macro rfm_score_basis(measure) -%}
    {%- set method = checked_var('rfm_scoring_method') -%}
    {%- if measure == 'recency_days' -%}
        {%- set basis = 'quantile' if method == 'quantile' else 'threshold' -%}
    {%- elif measure == 'frequency' -%}
        {%- set basis = 'threshold' if method == 'fixed' else 'quantile' -%}
    {%- else -%}
        {%- set basis = 'threshold' if method == 'fixed'
            and checked_var('rfm_fixed_monetary') == 'thresholds' else 'quantile' -%}
    {%- endif -%}
    {{ return(basis) }}
{%- endmacro %}


{#- True when some measure is scored by quantile: a customer's scores can then
    move because other customers did (fct_segment_migration.is_population_shift). -#}
{% macro rfm_uses_quantiles() -%}
    {%- set bases = [] -%}
    {%- for measure in rfm_measures() -%}
        {%- do bases.append(rfm_score_basis(measure)) -%}
    {%- endfor -%}
    {{ return('quantile' in bases) }}
{%- endmacro %}


{#- The classic rule boxes of seed rfm_segment_rules suit quantile scores;
    methods with fixed recency use the rule set written for fixed bins. -#}
{% macro rfm_rule_set() -%}
    {{ return('quantile' if checked_var('rfm_scoring_method') == 'quantile' else 'fixed') }}
{%- endmacro %}


{#- Every row of `relation` with the columns the scores need:
    <measure>_rank (the rank() of the value, worst first: the longest gap
    for recency), with var('rfm_quantile_ties') = spread also
    <measure>_rank_from_top (dense ranks instead), and scored_customers, the
    population size. Within `partition_by` when given (the monthly
    snapshots: one population per month end). -#}
{% macro rfm_ranked(relation, partition_by=none) -%}
    {%- set measures = [] -%}
    {%- for measure in rfm_measures() if rfm_score_basis(measure) == 'quantile' -%}
        {%- do measures.append(measure) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('rfm_ranked')(
        relation, partition_by, measures, checked_var('rfm_quantile_ties') == 'spread')) }}
{%- endmacro %}

{#- DuckDB ranks each measure's distinct values, not its rows: a value's
    rank is 1 + how many rows come before it, a running sum over the counts
    per value, joined back. A rank() window sorts every row with all of its
    columns, once per measure; on 10M customers x 12 month ends that sort
    spilled and grew faster than the data. A measure has at most a few
    thousand values per month end but for monetary, whose aggregate is still
    narrower than the rows. Measures are never null (int_customers_rfm_features,
    int_customer_snapshots_rfm_scored), so plain equality joins them back. -#}
{% macro default__rfm_ranked(relation, partition_by, measures, spread) -%}
    {%- set partition_columns = [partition_by] if partition_by else [] -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    with

    ranked_rows as materialized (
        select * from {{ relation }}
    ),
    {%- for measure in measures %}
    {%- set worst_first = measure ~ (' desc' if measure == 'recency_days' else '') %}
    {%- set best_first = measure ~ ('' if measure == 'recency_days' else ' desc') %}

    {{ measure }}_ranks as (
        select
            {{ (partition_columns + [measure]) | join(', ') }},
            {%- if spread %}
            row_number() over ({{ partition }}order by {{ worst_first }}) as {{ measure }}_rank,
            row_number() over ({{ partition }}order by {{ best_first }})
                as {{ measure }}_rank_from_top
            {%- else %}
            1 + coalesce(sum(value_rows) over (
                {{ partition }}order by {{ worst_first }}
                rows between unbounded preceding and 1 preceding
            ), 0) as {{ measure }}_rank
            {%- endif %}
        from (
            select
                {{ (partition_columns + [measure]) | join(', ') }},
                count(*) as value_rows
            from ranked_rows
            group by {{ (partition_columns + [measure]) | join(', ') }}
        ) as values_counted
    ),
    {%- endfor %}

    populations as (
        select
            {{ (partition_columns + ['count(*) as scored_customers']) | join(', ') }}
        from ranked_rows
        {%- if partition_by %}
        group by {{ partition_by }}
        {%- endif %}
    )

    select
        ranked_rows.*,
        {%- for measure in measures %}
        {{ measure }}_ranks.{{ measure }}_rank,
        {%- if spread %}
        {{ measure }}_ranks.{{ measure }}_rank_from_top,
        {%- endif %}
        {%- endfor %}
        populations.scored_customers
    from ranked_rows
    {%- for measure in measures %}
    inner join {{ measure }}_ranks
        on
            {%- if partition_by %}
            ranked_rows.{{ partition_by }} = {{ measure }}_ranks.{{ partition_by }} and
            {%- endif %}
            ranked_rows.{{ measure }} = {{ measure }}_ranks.{{ measure }}
    {%- endfor %}
    {%- if partition_by %}
    inner join populations
        on ranked_rows.{{ partition_by }} = populations.{{ partition_by }}
    {%- else %}
    cross join populations
    {%- endif %}
{%- endmacro %}

{#- Athena (Trino) would evaluate `relation` once per use: one window per
    measure, over the rows. -#}
{% macro athena__rfm_ranked(relation, partition_by, measures, spread) -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    select
        *,
        {%- for measure in measures %}
        {%- set worst_first = measure ~ (' desc' if measure == 'recency_days' else '') %}
        {%- set best_first = measure ~ ('' if measure == 'recency_days' else ' desc') %}
        {%- if spread %}
        dense_rank() over ({{ partition }}order by {{ worst_first }}) as {{ measure }}_rank,
        dense_rank() over ({{ partition }}order by {{ best_first }})
            as {{ measure }}_rank_from_top,
        {%- else %}
        rank() over ({{ partition }}order by {{ worst_first }}) as {{ measure }}_rank,
        {%- endif %}
        {%- endfor %}
        count(*) over ({{ partition | trim }}) as scored_customers
    from {{ relation }}
{%- endmacro %}


{#- r_score, f_score and m_score, from the rfm_ranks columns and, for
    threshold measures, the columns of rfm_score_threshold_columns (cross
    joined in as one row). -#}
{% macro rfm_scores(buckets) -%}
    {%- set score_names = {'recency_days': 'r_score', 'frequency': 'f_score', 'monetary': 'm_score'} -%}
    {%- set spread = checked_var('rfm_quantile_ties') == 'spread' -%}
    {%- for measure in rfm_measures() %}
    {% if rfm_score_basis(measure) == 'threshold' -%}
        {{ threshold_score(measure, buckets) }}
    {%- elif spread -%}
        {{ ntile_of_position(
            measure ~ '_rank', '(' ~ measure ~ '_rank + ' ~ measure ~ '_rank_from_top - 1)', buckets
        ) }}
    {%- else -%}
        {{ ntile_of_position(measure ~ '_rank', 'scored_customers', buckets) }}
    {%- endif %} as {{ score_names[measure] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The highest score s in 2..buckets whose threshold the value meets, else 1. -#}
{% macro threshold_score(measure, buckets) -%}
    {%- set meets = '<=' if measure == 'recency_days' else '>=' -%}
    case
        {%- for score in range(buckets, 1, -1) %}
        when {{ measure }} {{ meets }} {{ measure }}_threshold_{{ score }} then {{ score }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}


{#- One row: the threshold of every measure and score 2..buckets as a column
    (<measure>_threshold_<score>), pivoted from seed rfm_score_thresholds so
    scoring is a cross join with one row, not a join per customer. -#}
{% macro rfm_score_threshold_columns(thresholds, buckets) -%}
    select
        {%- for measure in rfm_measures() %}
        {%- set outer_loop = loop %}
        {%- for score in range(2, buckets + 1) %}
        max(
            case when measure = '{{ measure }}' and score = {{ score }} then threshold end
        ) as {{ measure }}_threshold_{{ score }}{{ ',' if not (outer_loop.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from {{ thresholds }}
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
    the run's rule set (rfm_rule_set) of the rule table, as a query to join on
    the three scores (an equality join, cheaper than matching every customer
    against the rule boxes). The rules are written on the 1..5 scale; a score
    s of N buckets maps onto it by 1 + round((s - 1) x 4 / (N - 1)), which
    keeps both ends (1 and N map to 1 and 5), so Lost and Champions stay
    reachable for every N. -#}
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
    where {{ rules }}.rule_set = '{{ rfm_rule_set() }}'
{%- endmacro %}


{#- '451' style string of the three scores. -#}
{% macro rfm_score_string(scored) -%}
    cast({{ scored }}.r_score as {{ dbt.type_string() }})
    || cast({{ scored }}.f_score as {{ dbt.type_string() }})
    || cast({{ scored }}.m_score as {{ dbt.type_string() }})
{%- endmacro %}


{#- The segment of a customer with no completed order in the lookback window
    (no scores): a row of seed segments (scheme rfm_unscored), spelled once. -#}
{% macro no_recent_purchases_segment() -%}
    'No Recent Purchases'
{%- endmacro %}
