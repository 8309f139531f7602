{#- The BG/NBD and Gamma-Gamma inputs per customer from int_customer_purchase_days,
    counting the purchase days before `end_date` (a date column of the one-row
    relation `dates`). The production inputs end at as_of_date, the
    calibration inputs at the calibration cut: one definition for both.
    Values are summed as exact money and divided as doubles, so the inputs,
    and every fit on them, are the same bits build after build.

    repeat_frequency x = purchase days - 1; repeat_recency_days t_x = days
    from the first to the last purchase day; customer_age_days T = days from
    the first purchase day to end_date; repeat_mean_value = the mean value of
    the purchase days after the first (null without one). min_by: DuckDB and
    Trino both have it; (customer, day) is unique, so it has no ties. -#}
{% macro clv_customer_inputs(purchase_days, dates, end_date) -%}
    select
        history.customer_id,
        history.first_purchased_date,
        history.last_purchased_date,
        cast(history.purchase_days as integer) as purchase_days,
        cast(history.purchase_days - 1 as integer) as repeat_frequency,
        cast(
            {{ dbt.datediff('history.first_purchased_date', 'history.last_purchased_date', 'day') }}
            as integer
        ) as repeat_recency_days,
        cast(
            {{ dbt.datediff('history.first_purchased_date', 'history.end_date', 'day') }}
            as integer
        ) as customer_age_days,
        case
            when history.purchase_days > 1
                then
                    cast(history.total_value - history.first_day_value as double)
                    / (history.purchase_days - 1)
        end as repeat_mean_value,
        cast(history.total_value as double) / history.purchase_days as purchase_mean_value,
        history.costed_revenue,
        history.costed_margin
    from (
        select
            {{ purchase_days }}.customer_id,
            {{ dates }}.{{ end_date }} as end_date,
            count(*) as purchase_days,
            min({{ purchase_days }}.purchased_date) as first_purchased_date,
            max({{ purchase_days }}.purchased_date) as last_purchased_date,
            sum({{ purchase_days }}.purchase_value) as total_value,
            min_by({{ purchase_days }}.purchase_value, {{ purchase_days }}.purchased_date)
                as first_day_value,
            sum({{ purchase_days }}.costed_revenue) as costed_revenue,
            sum({{ purchase_days }}.costed_margin) as costed_margin
        from {{ purchase_days }}
        cross join {{ dates }}
        where {{ purchase_days }}.purchased_date < {{ dates }}.{{ end_date }}
        group by {{ purchase_days }}.customer_id, {{ dates }}.{{ end_date }}
    ) as history
{%- endmacro %}
