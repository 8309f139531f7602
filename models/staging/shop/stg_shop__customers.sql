-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('customers') }}

{{ assert_source_columns('shop', 'customers') }}

{%- set raw_columns = ['customer_id', 'email', 'country', 'signed_up_at', 'marketing_opt_in'] %}

with

source as (
    select * from {{ source('shop', 'customers') }}
),

renamed as (
    select
        {{ raw_text('customer_id') }} as customer_id,
        lower({{ raw_text('email') }}) as email,
        upper({{ raw_text('country') }}) as country_code,
        {{ raw_text('signed_up_at') }} as signed_up_at_text,
        {{ raw_text('marketing_opt_in') }} as marketing_opt_in_text,
        -- raw_record reaches fct_quarantined_rows, a mart that QuickSight reads,
        -- so the email only shows as '<redacted>' (or empty when missing). Not
        -- the domain either: a personal or small-company domain can identify
        -- someone, and no quality check looks at the email. The dedupe below
        -- still orders duplicates by every raw value, email included
        -- (unredacted_raw_record, never selected), so rows differing only in
        -- the email keep the same deterministic order as before.
        {{ raw_record(raw_columns) }} as unredacted_raw_record,
        {{ raw_record(raw_columns, redacted_columns=['email']) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ dbt.safe_cast('signed_up_at_text', dbt.type_timestamp()) }} as signed_up_at,
        {{ parse_boolean('marketing_opt_in_text') }} as is_marketing_opt_in
    from renamed
),

row_checked as (
    select
        *,
        {{ first_failed_check([
            ('customer_id is null', 'missing_key'),
            ('signed_up_at_text is not null and signed_up_at is null', 'unparseable_signed_up_at'),
            ('signed_up_at > ' ~ max_valid_at(), 'future_signed_up_at'),
        ]) }} as row_dq_reason
    from typed
),

duplicates_checked as (
    select
        *,
        coalesce(
            row_dq_reason,
            {{ duplicate_key_check('row_dq_reason', ['customer_id'], ['unredacted_raw_record']) }}
        ) as dq_reason
    from row_checked
),

final as (
    select
        customer_id,
        email,
        country_code,
        signed_up_at,
        coalesce(is_marketing_opt_in, false) as is_marketing_opt_in,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
