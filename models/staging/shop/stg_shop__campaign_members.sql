-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('campaign_members') }}

{{ assert_source_columns('shop', 'campaign_members') }}

with

source as (
    select * from {{ source('shop', 'campaign_members') }}
),

renamed as (
    select
        {{ raw_text('campaign_id') }} as campaign_id,
        {{ raw_text('customer_id') }} as customer_id,
        lower({{ raw_text(adapter.quote('group')) }}) as experiment_group,
        {{ raw_text('segment_at_send') }} as segment_at_send,
        {{ raw_text('offer_product_id') }} as offer_product_id,
        {{ raw_text('offer_discount_pct') }} as offer_discount_pct_text,
        {{ raw_text('sent_at') }} as sent_at_text,
        {{ raw_record([
            'campaign_id', 'customer_id', 'group', 'segment_at_send',
            'offer_product_id', 'offer_discount_pct', 'sent_at',
        ]) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ dbt.safe_cast('offer_discount_pct_text', 'double') }} as offer_discount_pct,
        {{ dbt.safe_cast('sent_at_text', dbt.type_timestamp()) }} as sent_at
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check([
            ('campaign_id is null or customer_id is null', 'missing_key'),
            ('sent_at is null', 'unparseable_sent_at'),
            ('offer_discount_pct_text is not null and offer_discount_pct is null',
                'unparseable_offer_discount_pct'),
            ("experiment_group is null or experiment_group not in ('treatment', 'control')",
                'invalid_group'),
        ]) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    select
        *,
        coalesce(
            row_dq_reason,
            {{ duplicate_key_check(
                'row_dq_reason', ['campaign_id', 'customer_id'], ['raw_record'],
            ) }}
        ) as dq_reason
    from row_checked
),

final as (
    select
        campaign_id,
        customer_id,
        experiment_group,
        experiment_group = 'treatment' as is_treatment,
        segment_at_send,
        offer_product_id,
        offer_discount_pct / 100.0 as offer_discount_rate,
        sent_at,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
