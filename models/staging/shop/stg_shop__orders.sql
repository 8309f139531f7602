-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('orders') }}

{{ assert_source_columns('shop', 'orders') }}

with

source as (
    select * from {{ source('shop', 'orders') }}
),

renamed as (
    select
        {{ raw_text('order_id') }} as order_id,
        {{ raw_text('customer_id') }} as customer_id,
        {{ raw_text('ordered_at') }} as ordered_at_text,
        lower({{ raw_text('status') }}) as order_status,
        lower({{ raw_text('channel') }}) as channel,
        {{ raw_record(['order_id', 'customer_id', 'ordered_at', 'status', 'channel']) }}
            as raw_record
    from source
),

typed as (
    select
        *,
        {{ dbt.safe_cast('ordered_at_text', dbt.type_timestamp()) }} as ordered_at
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check([
            ('order_id is null', 'missing_key'),
            ('ordered_at is null', 'unparseable_ordered_at'),
            ("order_status is null or order_status not in ('completed', 'cancelled', 'returned')",
                'invalid_status'),
            ('ordered_at > ' ~ max_valid_at(), 'future_ordered_at'),
        ]) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    select
        *,
        coalesce(
            row_dq_reason,
            {{ duplicate_key_check('row_dq_reason', ['order_id'], ['raw_record']) }}
        ) as dq_reason
    from row_checked
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_status,
        coalesce(channel, 'unknown') as channel,
        customer_id is null as is_guest_checkout,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
