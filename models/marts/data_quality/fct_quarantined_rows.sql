-- Every raw row that did not make it into a clean model, with the first
-- reason it failed. Together with the clean models this accounts for every
-- raw row (tests/assert_raw_rows_conserved.sql).

{%- set checked_models = [
    ('customers', 'int_customers_checked'),
    ('products', 'stg_shop__products'),
    ('orders', 'int_orders_checked'),
    ('order_items', 'int_order_items_checked'),
    ('web_events', 'int_web_events_checked'),
    ('campaigns', 'stg_shop__campaigns'),
    ('campaign_members', 'int_campaign_members_checked'),
    ('campaign_events', 'int_campaign_events_checked'),
] %}

with

{% for source_table, model_name in checked_models %}
quarantined_{{ source_table }} as (
    select
        '{{ source_table }}' as source_table,
        dq_reason,
        raw_record
    from {{ ref(model_name) }}
    where dq_reason is not null
),

{% endfor %}

quarantined as (
    {%- for source_table, _ in checked_models %}
    select * from quarantined_{{ source_table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

numbered as (
    select
        source_table
        || '-'
        || cast(
            row_number() over (partition by source_table order by dq_reason, raw_record)
            as {{ dbt.type_string() }}
        ) as quarantined_row_id,
        source_table,
        dq_reason,
        raw_record
    from quarantined
)

select * from numbered
