-- The demo seed that fills this source in the default setup; the comment only
-- orders the DAG so `dbt build` loads seeds before staging reads them.
-- depends_on: {{ ref('customers') }}

{{ assert_source_columns('shop', 'customers') }}

{%- set personal_ids = customer_ids_are_personal() %}

{%- set raw_columns = [
    'customer_id', 'email', 'country', 'signed_up_at', 'marketing_opt_in',
    'email_opt_in', 'sms_opt_in', 'push_opt_in', 'unsubscribed_at'
] %}

with

source as (
    select * from {{ source('shop', 'customers') }}
),

renamed as (
    select
        {{ customer_key(raw_text('customer_id'), personal_ids) }} as customer_id,
        {{ raw_text('customer_id') }} as source_customer_id,
        lower({{ raw_text('email') }}) as email,
        upper({{ raw_text('country') }}) as country_code,
        {{ raw_text('signed_up_at') }} as signed_up_at_text,
        {{ raw_text('marketing_opt_in') }} as marketing_opt_in_text,
        {{ raw_text('email_opt_in') }} as email_opt_in_text,
        {{ raw_text('sms_opt_in') }} as sms_opt_in_text,
        {{ raw_text('push_opt_in') }} as push_opt_in_text,
        {{ raw_text('unsubscribed_at') }} as unsubscribed_at_text,
        -- raw_record reaches fct_quarantined_rows, a mart that QuickSight reads,
        -- so the email only shows as '<redacted>' (or empty when missing). Not
        -- the domain either: a personal or small-company domain can identify
        -- someone, and no quality check looks at the email. The dedupe below
        -- still breaks ties by a hash of every raw value, email included
        -- (unredacted_raw_record, never selected), so rows differing only in
        -- the email are still told apart.
        {{ raw_record(raw_columns) }} as unredacted_raw_record,
        {{ raw_record(
            raw_columns, redacted_columns=['email'] + (['customer_id'] if personal_ids else []),
        ) }} as raw_record
    from source
),

typed as (
    select
        *,
        {{ parse_timestamp_utc('signed_up_at_text') }} as signed_up_at,
        {{ parse_boolean('marketing_opt_in_text') }} as is_marketing_opt_in,
        -- This row's consent per channel (macro consent_granted): a clear yes
        -- in every answer given, and at least one answer. A lone
        -- marketing_opt_in is consent to email only; with email_opt_in too,
        -- both must say yes. Any unsubscribed_at value is an unsubscribe.
        -- int_customer_consents_resolved combines every row of a customer.
        {{ consent_granted(['marketing_opt_in_text', 'email_opt_in_text']) }} as is_email_opt_in,
        {{ consent_granted(['sms_opt_in_text']) }} as is_sms_opt_in,
        {{ consent_granted(['push_opt_in_text']) }} as is_push_opt_in,
        unsubscribed_at_text is not null as is_unsubscribed
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

-- Among rows with the same customer_id that passed the row checks, the one
-- with the latest signed_up_at stays clean (its email, country and sign-up
-- time are the customer's), ties going to the smallest hash of the whole raw
-- row: the same row whatever order the rows arrive in. Consent does not
-- follow this choice: it is resolved over every row.
duplicates_checked as (
    {{ duplicates_flagged(
        'row_checked',
        ['customer_id'], ['unredacted_raw_record'],
        latest_column='signed_up_at', hash_order_columns=true,
    ) }}
),

final as (
    select
        customer_id,
        source_customer_id,
        email,
        country_code,
        signed_up_at,
        coalesce(is_marketing_opt_in, false) as is_marketing_opt_in,
        is_email_opt_in,
        is_sms_opt_in,
        is_push_opt_in,
        is_unsubscribed,
        dq_reason,
        raw_record
    from duplicates_checked
)

select * from final
