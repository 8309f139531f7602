{#- Fisher's exact test in portable SQL.

    Why SQL and not a Python model: the test needs only log-factorials and a
    short enumeration, which plain SQL does on both engines; a Python model
    would need Spark on Athena and a second table for the mart to join.
    Trino has no log-gamma function and its sequence() stops at 10,000
    entries, so the log-factorial is written out (log_factorial) and the
    enumeration reads a numbers table made of cross-joined `values` lists
    (integers_below_power_of_ten). -#}


{#- ln(k!) for a non-negative integer SQL expression k (pass a column name:
    the expression is repeated).
    k <= 20: ln of the exact factorial (20! < 2^63; every k! up to 20! is an
    exact double because its factors of two keep the mantissa short).
    k > 20: Stirling's series
        (k + 1/2) ln k - k + ln(2 pi) / 2
        + 1/(12k) - 1/(360k^3) + 1/(1260k^5) - 1/(1680k^7),
    whose error is below the first omitted term 1/(1188 k^9): 1.1e-15 at
    k = 21, under half an ulp of ln(21!) = 45.38. So the result is ln(k!) to
    double precision; what is left is the rounding of the sums that use it.
    The Stirling branch clamps k to >= 1 so no engine evaluates ln(0) for the
    rows the lookup answers (with case, not greatest(): Trino's greatest
    returns null on a null argument, DuckDB's ignores it). -#}
{% macro log_factorial(k) -%}
    {%- set kd = 'cast(case when ' ~ k ~ ' < 1 then 1 else ' ~ k ~ ' end as double)' -%}
    {%- set ns = namespace(factorial=1) -%}
    case
        when {{ k }} <= 20 then case {{ k }}
            when 0 then cast(0 as double)
            {%- for n in range(1, 21) %}
            {%- set ns.factorial = ns.factorial * n %}
            when {{ n }} then ln(cast({{ ns.factorial }} as double))
            {%- endfor %}
        end
        else ({{ kd }} + 0.5) * ln({{ kd }}) - {{ kd }} + 0.5 * ln(2 * pi())
            + 1.0 / (12 * {{ kd }})
            - 1.0 / (360 * power({{ kd }}, 3))
            + 1.0 / (1260 * power({{ kd }}, 5))
            - 1.0 / (1680 * power({{ kd }}, 7))
    end
{%- endmacro %}


{#- select n from 0 to 10^digits - 1, one row each, from cross-joined
    `values` lists (portable; no sequence() or generate_series()). -#}
{% macro integers_below_power_of_ten(digits) -%}
    select
        {%- for i in range(digits) %}
        {% if not loop.first %}+ {% endif %}digit_{{ i }}.d * {{ 10 ** i }}
        {%- endfor %} as n
    from
        {%- for i in range(digits) %}
        {% if not loop.first %}cross join {% endif -%}
        (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_{{ i }} (d)
        {%- endfor %}
{%- endmacro %}


{#- Two-sided Fisher exact test of a 2 x 2 table per row of `relation`:
        group 1: successes_1 of trials_1;  group 2: successes_2 of trials_2.
    Returns a query with the key_columns and p_value, one row per input row.

    Definition (as scipy.stats.fisher_exact(alternative='two-sided') and R's
    fisher.test): with the margins fixed, X = group 1's successes is
    hypergeometric; the p-value sums P(X = x) over the tables no more likely
    than the observed one. "No more likely" uses a relative tolerance of 1e-7
    (R's; scipy uses 1e-14 on its exact pmf): ties such as the mirror tables
    of equal groups must count, and the SQL's log-factorial sums carry
    rounding of about 1e-16 x ln(N!), i.e. 1e-9 at a million members.

    P(X = x) is proportional to w(x) = 1 / (x! (n1-x)! (k-x)! (n2-k+x)!), so
    the p-value is a ratio of sums of w relative to the largest w (no
    overflow, no ln(N!) cancellation). The sums are exact_sum's, to 35
    decimals: a p-value below 1e-32 or so comes out as 0.

    Enumeration: the support points within `half_window` (default 400) of
    the mode, from a 1,000-row numbers table. Use this test only when some
    expected count is below 5 (as fct_campaign_performance does): the
    hypergeometric variance is at most the smallest expected count, so the
    sd is below 2.3. Hoeffding (1963) bounds the hypergeometric by the
    binomial, whose Bernstein bound with variance v < 5 gives
    P(|X - mean| >= 399) < 2 exp(-399^2 / (2 (5 + 399/3))) < 1e-250: the
    points beyond the window cannot change a p-value by anything measurable.
    The p-value is therefore exact to double precision however large the
    groups (n = 5,000 with 2 successes included). With every expected count
    at 5 or more, use a z test instead (the window could then cut real
    mass).

    A row whose margins leave a single possible table (no successes, or all
    successes, or an empty group) gets p = 1, as in scipy. -#}
{% macro fisher_exact_two_sided(
    relation, key_columns, successes_1, trials_1, successes_2, trials_2, half_window=400
) -%}
    {%- set keys = key_columns | join(', ') -%}
    {#- offsets 0 .. 2 x half_window need this many decimal digits -#}
    {%- set digits = (2 * half_window) | string | length -%}
    select
        {{ keys }},
        -- the ratio can exceed 1 by rounding only; no window point may be as
        -- unlikely as an observed table beyond the window (then p < 1e-250)
        case
            when observed_mass >= total_mass then 1.0
            else observed_mass / total_mass
        end as p_value
    from (
        select
            {{ keys }},
            coalesce(
                {{ exact_sum(
                    'case when log_weight - observed_log_weight <= 1e-7 then relative_weight end', 35
                ) }},
                0.0
            ) as observed_mass,
            {{ exact_sum('relative_weight', 35) }} as total_mass
        from (
            select
                {{ keys }},
                log_weight,
                observed_log_weight,
                exp(log_weight - max(log_weight) over (partition by {{ keys }})) as relative_weight
            from (
                select
                    {{ keys }},
                    observed_log_weight,
                    -1.0 * (
                        {{ log_factorial('x') }}
                        + {{ log_factorial('n1 - x') }}
                        + {{ log_factorial('k - x') }}
                        + {{ log_factorial('n2 - k + x') }}
                    ) as log_weight
                from (
                    select
                        {{ keys }},
                        observed_log_weight,
                        n1,
                        n2,
                        k,
                        mode_x - {{ half_window }} + offsets.n as x
                    from (
                        select
                            {{ keys }},
                            n1,
                            n2,
                            k,
                            -- the mode of the hypergeometric distribution
                            cast(floor(
                                cast((k + 1) * (n1 + 1) as double) / cast(n1 + n2 + 2 as double)
                            ) as bigint)
                                as mode_x,
                            -1.0 * (
                                {{ log_factorial('s1') }}
                                + {{ log_factorial('n1 - s1') }}
                                + {{ log_factorial('k - s1') }}
                                + {{ log_factorial('n2 - k + s1') }}
                            ) as observed_log_weight
                        from (
                            select
                                {{ keys }},
                                cast({{ successes_1 }} as bigint) as s1,
                                cast({{ trials_1 }} as bigint) as n1,
                                cast({{ trials_2 }} as bigint) as n2,
                                cast({{ successes_1 }} + {{ successes_2 }} as bigint) as k
                            from {{ relation }}
                        ) as margins
                    ) as tables_with_mode
                    cross join (
                        {{ integers_below_power_of_ten(digits) }}
                    ) as offsets
                    where offsets.n <= 2 * {{ half_window }}
                ) as window_points
                -- the support: 0 <= x <= n1 and 0 <= k - x <= n2
                where x >= 0 and x >= k - n2 and x <= n1 and x <= k
            ) as support_points
        ) as weighted_points
        group by {{ keys }}
    ) as masses
{%- endmacro %}
