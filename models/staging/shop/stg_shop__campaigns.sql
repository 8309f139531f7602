-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('campaigns') }}

{{ assert_source_columns('shop', 'campaigns') }}

{#- treatment_share is optional: older exports and the demo seeds lack it -#}
{%- set has_treatment_share = source_has_column('shop', 'campaigns', 'treatment_share') %}

with

source as (
    select * from {{ source('shop', 'campaigns') }}
),

renamed as (
    select
        {{ raw_text('campaign_id') }} as campaign_id,
        {{ raw_text('campaign_name') }} as campaign_name,
        lower({{ raw_text('channel') }}) as channel,
        {{ raw_text('started_at') }} as started_at_text,
        {{ raw_text('ended_at') }} as ended_at_text,
        {{ raw_text('cost') }} as cost_text,
        {{ optional_raw_text('shop', 'campaigns', 'treatment_share') }} as treatment_share_text,
        {{ raw_record(
            ['campaign_id', 'campaign_name', 'channel', 'started_at', 'ended_at', 'cost']
            + (['treatment_share'] if has_treatment_share else [])
        ) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ parse_timestamp_utc('started_at_text') }} as started_at,
        {{ parse_timestamp_utc('ended_at_text') }} as ended_at,
        {{ parse_decimal('cost_text') }} as cost,
        {{ parse_decimal('treatment_share_text') }} as treatment_share
    from renamed
),

-- treatment_share is a fraction 0..1; blank means the var's design share
row_checked as (
    select
        *,
        {{ first_failed_check(
            [
                ('campaign_id is null', 'missing_key'),
                ('started_at is null', 'unparseable_started_at'),
                ('ended_at_text is not null and ended_at is null', 'unparseable_ended_at'),
            ]
            + decimal_checks('cost', 'cost_text', 'cost', max_money_amount())
            + decimal_checks('treatment_share', 'treatment_share_text', 'treatment_share', 1)
            + [('ended_at < started_at', 'invalid_date_range')]
        ) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    {{ duplicates_flagged('row_checked', ['campaign_id'], ['raw_record']) }}
),

final as (
    select
        campaign_id,
        campaign_name,
        coalesce(channel, 'unknown') as channel,
        started_at,
        ended_at,
        coalesce(cost, 0) as cost,
        cast(treatment_share as double) as treatment_share,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
