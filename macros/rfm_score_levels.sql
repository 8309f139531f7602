{#- Post-hook of int_rfm_score_levels: one warning per empty score level,
    naming the measure, the level and why it is empty, with what to change.
    Quantile scores give equal values equal scores, so where one value is very
    common (half the customers have one order) the levels it would span are
    empty: the warning names that value and its share. -#}
{% macro warn_empty_rfm_score_levels(levels) %}
    {%- if execute -%}
        {%- set score_names = {'recency_days': 'R', 'frequency': 'F', 'monetary': 'M'} -%}
        {%- set empty = run_query(
            "select measure, score, empty_reason, absorbing_score, absorbing_top_value,"
            ~ " absorbing_top_value_customers, scored_customers, distinct_values"
            ~ " from " ~ levels ~ " where customers = 0 order by measure, score"
        ) -%}
        {%- for row in empty.rows -%}
            {%- set level = score_names[row['measure']] ~ ' = ' ~ row['score'] -%}
            {%- if row['empty_reason'] == 'no_value_in_range' -%}
                {%- set why = "no customer's " ~ row['measure']
                    ~ " is in its range in seed rfm_score_thresholds" -%}
                {%- set fix = "check the thresholds" -%}
            {%- elif row['empty_reason'] == 'fewer_distinct_values' -%}
                {%- set why = row['measure'] ~ " has only " ~ row['distinct_values']
                    ~ " distinct values for " ~ var('rfm_score_buckets') ~ " levels" -%}
                {%- set fix = "use fewer rfm_score_buckets or rfm_scoring_method fixed" -%}
            {%- else -%}
                {%- set share = (100.0 * row['absorbing_top_value_customers'] / row['scored_customers']) | round(1) -%}
                {%- set why = row['absorbing_top_value_customers'] ~ " of " ~ row['scored_customers']
                    ~ " customers (" ~ share ~ "%) share " ~ row['measure'] ~ " = "
                    ~ ('%g' | format(row['absorbing_top_value'] | float))
                    ~ ", and equal values get equal scores, so all of them have "
                    ~ score_names[row['measure']] ~ " = " ~ row['absorbing_score'] -%}
                {%- set fix = "set rfm_quantile_ties: spread to spread the distinct values over the"
                    ~ " levels, or rfm_scoring_method: fixed or hybrid" -%}
            {%- endif -%}
            {%- do exceptions.warn(
                "RFM score level " ~ level ~ " is empty: " ~ why ~ ". To change it, " ~ fix
                ~ " (README, \"Scoring methods\")."
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
