-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('campaign_events') }}

{{ assert_source_columns('shop', 'campaign_events') }}

{%- set personal_ids = customer_ids_are_personal() %}
{%- set personal_columns = ['customer_id'] if personal_ids else [] %}

with

source as (
    select * from {{ source('shop', 'campaign_events') }}
),

renamed as (
    select
        {{ raw_text('campaign_id') }} as campaign_id,
        {{ customer_key(raw_text('customer_id'), personal_ids) }} as customer_id,
        lower({{ raw_text('event_type') }}) as event_type,
        {{ raw_text('occurred_at') }} as occurred_at_text,
        {{ raw_record(
            ['campaign_id', 'customer_id', 'event_type', 'occurred_at'],
            redacted_columns=personal_columns,
        ) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ parse_timestamp_utc('occurred_at_text') }} as occurred_at
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check([
            ('campaign_id is null or customer_id is null', 'missing_key'),
            ('occurred_at is null', 'unparseable_occurred_at'),
            ("event_type is null"
                ~ " or event_type not in ('delivered', 'opened', 'clicked', 'unsubscribed')",
                'invalid_event_type'),
            ('occurred_at > ' ~ max_valid_at(), 'future_occurred_at'),
        ]) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    {{ duplicates_flagged(
        'row_checked',
        ['campaign_id', 'customer_id', 'event_type', 'occurred_at'],
        ['raw_record', 'customer_id'],
    ) }}
),

final as (
    select
        campaign_id,
        customer_id,
        event_type,
        occurred_at,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
