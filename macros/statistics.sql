{#- Standard normal CDF, for p-values. Trino (Athena) has normal_cdf; DuckDB
    has no such function, so the default is the Abramowitz & Stegun 7.1.26
    approximation of erf (absolute error below 1.5e-7, far below anything a
    p-value is read to).
    pytests/dbt_project/test_campaign_statistics.py checks the z-test
    p-values built on it against statsmodels' proportions_ztest; pytests/portability/test_transpile_equality.py
    (test_athena_sql_on_duckdb_equals_the_duckdb_target) holds them within
    1e-6 of Athena's exact normal_cdf. -#}
{% macro standard_normal_cdf(z) -%}
    {{ return(adapter.dispatch('standard_normal_cdf')(z)) }}
{%- endmacro %}

{% macro default__standard_normal_cdf(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.3275911 * ' ~ x ~ '))' -%}
    (0.5 * (1.0 + sign({{ z }}) * (1.0 - (
        0.254829592 * {{ t }}
        - 0.284496736 * power({{ t }}, 2)
        + 1.421413741 * power({{ t }}, 3)
        - 1.453152027 * power({{ t }}, 4)
        + 1.061405429 * power({{ t }}, 5)
    ) * exp(-1.0 * {{ x }} * {{ x }}))))
{%- endmacro %}

{% macro athena__standard_normal_cdf(z) -%}
    normal_cdf(0, 1, {{ z }})
{%- endmacro %}


{#- Two-sided p-value of a z statistic; null when z is null. -#}
{% macro two_sided_p_value(z) -%}
    2.0 * (1.0 - {{ standard_normal_cdf('abs(' ~ z ~ ')') }})
{%- endmacro %}


{#- a / b as a double, null when b is 0 or null (never a division error). -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}


{#- z of the two-sided 95 % level, 1 - 0.05/2 quantile of the standard
    normal (scipy.stats.norm.ppf(0.975)); the 1.96 it replaces is 4e-5 off. -#}
{% macro z_95() -%}
    1.959963984540054
{%- endmacro %}


{#- Bound ('lower' or 'upper') of the Wilson score interval of a proportion
    successes / trials (Wilson 1927; statsmodels proportion_confint
    method='wilson'):
        (p + z^2/(2n) -/+ z sqrt(p (1 - p) / n + z^2 / (4 n^2))) / (1 + z^2/n).
    Unlike the Wald interval it does not collapse at 0 or n successes.
    Null when trials is 0. Pass column names: the arguments are repeated. -#}
{% macro wilson_score_bound(successes, trials, side, z=none) -%}
    {%- set z = z if z is not none else z_95() -%}
    {%- set p = '(' ~ safe_divide(successes, trials) ~ ')' -%}
    {%- set n = 'cast(' ~ trials ~ ' as double)' -%}
    {%- set sign = '-' if side == 'lower' else '+' -%}
    (
        ({{ p }} + {{ z }} * {{ z }} / (2 * {{ n }}))
        {{ sign }} {{ z }} * sqrt(
            {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4 * {{ n }} * {{ n }})
        )
    ) / (1 + {{ z }} * {{ z }} / {{ n }})
{%- endmacro %}


{#- Bound ('lower' or 'upper') of Newcombe's hybrid-score interval for the
    difference of two proportions p1 - p2 (Newcombe 1998, method 10, no
    continuity correction), built from the Wilson intervals (l1, u1) and
    (l2, u2) of each proportion:
        lower = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)
        upper = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    It is statsmodels confint_proportions_2indep(method='newcomb',
    compare='diff'). Close to nominal coverage at small groups and at 0 or
    all successes, where the Wald interval collapses. Null when either group
    is empty. -#}
{% macro newcombe_difference_bound(successes_1, trials_1, successes_2, trials_2, side) -%}
    {%- set p1 = '(' ~ safe_divide(successes_1, trials_1) ~ ')' -%}
    {%- set p2 = '(' ~ safe_divide(successes_2, trials_2) ~ ')' -%}
    {%- if side == 'lower' -%}
    ({{ p1 }} - {{ p2 }}) - sqrt(
        power({{ p1 }} - {{ wilson_score_bound(successes_1, trials_1, 'lower') }}, 2)
        + power({{ wilson_score_bound(successes_2, trials_2, 'upper') }} - {{ p2 }}, 2)
    )
    {%- else -%}
    ({{ p1 }} - {{ p2 }}) + sqrt(
        power({{ wilson_score_bound(successes_1, trials_1, 'upper') }} - {{ p1 }}, 2)
        + power({{ p2 }} - {{ wilson_score_bound(successes_2, trials_2, 'lower') }}, 2)
    )
    {%- endif -%}
{%- endmacro %}


{#- Sample variance (n - 1 denominator) from a group's sum of squares, sum
    and count: (sum of squares - sum^2 / n) / (n - 1), as a double; null
    below 2 members. One pass over the rows, so it can come out a hair below
    0 by rounding when every value is equal: callers treat a negative
    variance as 0. -#}
{% macro sample_variance_from_sums(sum_of_squares, total, count) -%}
    {{ safe_divide(
        sum_of_squares ~ ' - cast(' ~ total ~ ' as double) * cast(' ~ total ~ ' as double) / nullif('
        ~ count ~ ', 0)',
        count ~ ' - 1',
    ) }}
{%- endmacro %}


{#- sum() of a double expression that gives the same answer on every build.
    A parallel sum of doubles adds in whatever order the threads finish, so
    identical builds can differ in the last bits (and the marts would not be
    reproducible). Each value is rounded to `scale` decimals and the decimals
    are added exactly, in any order; the result is a double again.
    decimal(38, scale) holds magnitudes below 10^(38 - scale): scale 18
    leaves 10^20, scale 35 (for sums of probabilities up to 1,000) 10^3. -#}
{% macro exact_sum(expression, scale=18) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }}))) as double)
{%- endmacro %}


{#- A select (use it as a CTE body) of the mean of `value` over the rows of
    `relation`, per group, with a normal interval whose variance is
    clustered by `cluster`: rows of one cluster (say, one customer seen at
    several backtest folds) are not independent, so the variance is built
    from the clusters' summed residuals, not from the rows:
        mean   = sum(value) / n
        se     = sqrt(G / (G - 1) x sum over clusters g of (S_g - n_g mean)^2) / n
        bounds = mean -/+ z se
    with n rows, G clusters, S_g and n_g the sum and count of cluster g. It
    is the OLS of value on a constant with statsmodels' cluster-robust
    covariance (cov_type='cluster', its default small-sample factor
    G / (G - 1) x (n - 1) / (n - k), k = 1) and a normal interval. With one
    row per cluster it is the usual standard error of a mean (n - 1
    denominator). Two passes (the mean first, then the residuals), so no
    cancellation; sums go through exact_sum, so builds are identical.
    Rows with a null value are left out; group columns must not be null
    (they are joined on). Columns: the group columns, observations,
    clusters, mean_value, std_error, ci_lower, ci_upper (std_error and the
    bounds are null below 2 clusters).
    pytests/dbt_project/test_offer_backtest.py checks it against
    statsmodels. -#}
{% macro clustered_mean_interval(relation, value, cluster, group_by=[], z=none) -%}
    {%- set z = z if z is not none else z_95() -%}
    {%- set group_columns = group_by | join(', ') -%}
    select
        {%- for column in group_by %}
        cluster_residuals.{{ column }},
        {%- endfor %}
        cluster_residuals.observations,
        cluster_residuals.clusters,
        cluster_residuals.mean_value,
        cluster_residuals.std_error,
        cluster_residuals.mean_value - {{ z }} * cluster_residuals.std_error as ci_lower,
        cluster_residuals.mean_value + {{ z }} * cluster_residuals.std_error as ci_upper
    from (
        select
            {%- for column in group_by %}
            cluster_totals.{{ column }},
            {%- endfor %}
            max(group_means.observations) as observations,
            count(*) as clusters,
            max(group_means.mean_value) as mean_value,
            case
                when count(*) >= 2
                    then sqrt(
                        cast(count(*) as double) / (count(*) - 1)
                        * {{ exact_sum(
                            'power(cluster_totals.cluster_total'
                            ~ ' - cluster_totals.cluster_rows * group_means.mean_value, 2)'
                        ) }}
                    ) / max(group_means.observations)
            end as std_error
        from (
            select
                {%- for column in group_by %}
                {{ column }},
                {%- endfor %}
                {{ cluster }} as cluster_key,
                {{ exact_sum(value) }} as cluster_total,
                count(*) as cluster_rows
            from {{ relation }}
            where {{ value }} is not null
            group by {% if group_by %}{{ group_columns }}, {% endif %}{{ cluster }}
        ) as cluster_totals
        {% if group_by -%}
        inner join (
        {%- else -%}
        cross join (
        {%- endif %}
            select
                {%- for column in group_by %}
                {{ column }},
                {%- endfor %}
                sum(cluster_rows) as observations,
                {{ exact_sum('cluster_total') }} / sum(cluster_rows) as mean_value
            from (
                select
                    {%- for column in group_by %}
                    {{ column }},
                    {%- endfor %}
                    {{ exact_sum(value) }} as cluster_total,
                    count(*) as cluster_rows
                from {{ relation }}
                where {{ value }} is not null
                group by {% if group_by %}{{ group_columns }}, {% endif %}{{ cluster }}
            ) as cluster_sums
            {% if group_by %}group by {{ group_columns }}{% endif %}
        ) as group_means
        {%- if group_by %}
            on
            {%- for column in group_by %}
                {% if not loop.first %}and {% endif %}cluster_totals.{{ column }} = group_means.{{ column }}
            {%- endfor %}
        {%- endif %}
        {% if group_by -%}
        group by
            {%- for column in group_by %}
            cluster_totals.{{ column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endif %}
    ) as cluster_residuals
{%- endmacro %}
