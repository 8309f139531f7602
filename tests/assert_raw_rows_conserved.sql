-- Nothing is lost: for every raw table, raw rows = clean rows + quarantined
-- rows. Returns one row per table where the counts do not add up. With
-- orders only (no order_items table), the order lines are made from the
-- clean orders, one each: there, clean lines must equal clean orders.

{%- set tables = [
    ('customers', 'int_customers_validated'),
    ('products', 'int_products_validated'),
    ('orders', 'int_orders_validated'),
    ('order_items', 'int_order_lines_classified'),
    ('web_events', 'int_web_events_validated'),
    ('campaigns', 'int_campaigns_validated'),
    ('campaign_members', 'int_campaign_members_validated'),
    ('campaign_events', 'int_campaign_events_validated'),
] %}

with

quarantined as (
    select
        source_table,
        count(*) as quarantined_rows
    from {{ ref('fct_quarantined_rows') }}
    group by source_table
),

counts as (
    {%- for source_table, clean_model in tables %}
    select
        '{{ source_table }}' as source_table,
        {%- if source_table == 'order_items' and not shop_table_provided('order_items') %}
        (select count(*) from {{ ref('int_orders_validated') }}) as raw_rows,
        {%- else %}
        (select count(*) from {{ source('shop', source_table) }}) as raw_rows,
        {%- endif %}
        (select count(*) from {{ ref(clean_model) }}) as clean_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

compared as (
    select
        counts.source_table,
        counts.raw_rows,
        counts.clean_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from counts
    left join quarantined
        on counts.source_table = quarantined.source_table
),

unbalanced as (
    select * from compared
    where raw_rows != clean_rows + quarantined_rows
)

select * from unbalanced
