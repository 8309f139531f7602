-- Every raw order row with its final verdict: staging's row-level reason,
-- else duplicate_key or superseded (another clean row has the order id:
-- the latest load's row wins, macro duplicate_key_check), else
-- unknown_customer.
--
-- Incremental (README, "Incremental builds"): a build checks the raw rows
-- of the newest load already here and of every later one, and writes again
-- every order id they hold, with the rows of earlier loads that share it
-- (a newer clean version supersedes them), and the orders quarantined as
-- unknown_customer (the customer may have arrived since). Changes the
-- stored columns cannot show make it read every load again: other settings
-- (vars, which tables were given), and the rechecks below.
{{ config(**checked_event_table_config('order_key')) }}

{%- set customers_provided = shop_table_provided('customers') %}
{%- set rechecks = {
    'orders quarantined as future_ordered_at are no longer in the future':
        "select count(*) from " ~ this ~ " where dq_reason = 'future_ordered_at'"
        ~ " and ordered_at <= " ~ max_valid_at(),
} %}
{%- if customers_provided %}
    {%- do rechecks.update({
        'clean orders belong to customers no longer among clean customers':
            "select count(*) from " ~ this ~ " as orders where orders.dq_reason is null"
            ~ " and orders.customer_id is not null and not exists (select 1 from "
            ~ ref('int_customers_validated') ~ " as customers"
            ~ " where customers.customer_id = orders.customer_id)",
    }) %}
{%- endif %}
{%- set settings = {
    'customer_key': customer_key_setting(),
    'customers_provided': customers_provided,
    'max_valid_at': var('max_valid_at', none),
    'reporting_timezone': var('reporting_timezone', 'UTC'),
} %}
{%- set loads = incremental_loads(settings, rechecks) %}
{#- A raw row as stored: what a later build needs to check it again. #}
{%- set row_columns = [
    'order_id', 'customer_id', 'ordered_at', 'ordered_date', 'order_status', 'channel',
    'is_guest_checkout', 'order_amount', 'raw_record', 'load_order',
] %}

with

staged as (
    select
        {%- for column in row_columns %}
        {{ column }},
        {%- endfor %}
        dq_reason as row_dq_reason
    from {{ ref('stg_shop__orders') }}
    {%- if loads %}
    where load_order >= {{ loads.reread_from }}
    {%- endif %}
),

customers as (
    select * from {{ ref('int_customers_validated') }}
),

deduplicated as (
    {{ duplicates_flagged(
        'staged', ['order_id'], ['raw_record', 'customer_id'], load_column='load_order',
    ) }}
),

{%- if loads %}

-- Order ids with a clean row in the loads read now: that row is newer than
-- every clean row of an earlier load.
superseding_keys as (
    select distinct order_id
    from deduplicated
    where dq_reason is null
),

rechecked_keys as (
    select coalesce(order_id, '') as order_key from staged
    union
    select order_key from {{ this }}
    where load_order < {{ loads.reread_from }} and dq_reason = 'unknown_customer'
),

-- The rows of earlier loads with those order keys. A semi-join: the few
-- keys are the hash table, and the stored rows are only probed.
previous as (
    select * from {{ this }}
    where
        load_order < {{ loads.reread_from }}
        and order_key in (select rechecked_keys.order_key from rechecked_keys)
),

previous_rechecked as (
    select
        {%- for column in row_columns %}
        previous.{{ column }},
        {%- endfor %}
        {{ earlier_load_verdict(
            'superseding_keys.order_id is not null', ['unknown_customer'],
        ) }} as dq_reason
    from previous
    left join superseding_keys
        on previous.order_id = superseding_keys.order_id
),

{%- endif %}

candidates as (
    {%- for relation in (['deduplicated', 'previous_rechecked'] if loads else ['deduplicated']) %}
    {%- if not loop.first %}

    union all
    {%- endif %}

    select
        {%- for column in row_columns %}
        {{ column }},
        {%- endfor %}
        dq_reason
    from {{ relation }}
    {%- endfor %}
),

checked as (
    select
        candidates.order_id,
        candidates.customer_id,
        candidates.ordered_at,
        candidates.ordered_date,
        candidates.order_status,
        candidates.channel,
        candidates.is_guest_checkout,
        candidates.order_amount,
        candidates.raw_record,
        candidates.load_order,
        coalesce(
            candidates.dq_reason,
            {%- if customers_provided %}
            case
                when candidates.customer_id is not null and customers.customer_id is null
                    then 'unknown_customer'
            end
            {%- else %}
            {#- No customer table in the user's data: nothing to check against. #}
            cast(null as {{ dbt.type_string() }})
            {%- endif %}
        ) as dq_reason
    from candidates
    left join customers
        on candidates.customer_id = customers.customer_id
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        ordered_date,
        order_status,
        channel,
        is_guest_checkout,
        order_amount,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml); a superseded
        -- row was clean when checked, and its text is in its load's file.
        case when dq_reason != 'superseded' then raw_record end as raw_record,
        load_order,
        -- Rows without an order id form one group ('').
        coalesce(order_id, '') as order_key,
        {{ merge_row_ordinal('order_key') }} as row_ordinal,
        {{ checked_at_stamp() }} as checked_at,
        {{ check_settings(settings) }} as check_settings
    from checked
)

select * from final
