-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('campaign_members') }}

{{ assert_source_columns('shop', 'campaign_members') }}

{%- set personal_ids = customer_ids_are_personal() %}
{%- set personal_columns = ['customer_id'] if personal_ids else [] %}

with

source as (
    select * from {{ source('shop', 'campaign_members') }}
),

renamed as (
    select
        {{ raw_text('campaign_id') }} as campaign_id,
        {{ customer_key(raw_text('customer_id'), personal_ids) }} as customer_id,
        lower({{ raw_text(adapter.quote('group')) }}) as experiment_group,
        {{ raw_text('segment_at_send') }} as segment_at_send,
        {{ raw_text('offer_product_id') }} as offer_product_id,
        {{ raw_text('offer_discount_pct') }} as offer_discount_pct_text,
        {{ raw_text('sent_at') }} as sent_at_text,
        {{ raw_record([
            'campaign_id', 'customer_id', 'group', 'segment_at_send',
            'offer_product_id', 'offer_discount_pct', 'sent_at',
        ], redacted_columns=personal_columns) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ parse_decimal('offer_discount_pct_text') }} as offer_discount_pct,
        {{ parse_timestamp_utc('sent_at_text') }} as sent_at
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check(
            [
                ('campaign_id is null or customer_id is null', 'missing_key'),
                ('sent_at is null', 'unparseable_sent_at'),
            ]
            + decimal_checks('offer_discount_pct', 'offer_discount_pct_text',
                'offer_discount_pct', 100)
            + [
                ("experiment_group is null or experiment_group not in ('treatment', 'control')",
                    'invalid_group'),
            ]
        ) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    {{ duplicates_flagged(
        'row_checked', ['campaign_id', 'customer_id'], ['raw_record', 'customer_id'],
    ) }}
),

final as (
    select
        campaign_id,
        customer_id,
        experiment_group,
        experiment_group = 'treatment' as is_treatment,
        segment_at_send,
        offer_product_id,
        cast(offer_discount_pct as double) / 100 as offer_discount_rate,
        sent_at,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
