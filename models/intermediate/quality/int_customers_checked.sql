-- Every raw customer row with its verdict, written once. Customers need no
-- check against another table, so dq_reason is staging's; the table exists
-- because the staging view parses and deduplicates every customer row, and
-- its readers (the clean customers, consent, the quarantine and the key
-- tests) each ran it again: at 10M customers about 40 s a reading.
--
-- The source customer id stays out: when ids are personal it lives in the
-- restricted schema only (int_customer_ids_mapped reads the view).

with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

final as (
    select
        customer_id,
        email,
        country_code,
        signed_up_at,
        is_marketing_opt_in,
        is_email_opt_in,
        is_sms_opt_in,
        is_push_opt_in,
        is_unsubscribed,
        dq_reason,
        -- Quarantined rows only (see _quality__models.yml).
        case when dq_reason is not null then raw_record end as raw_record
    from customers
)

select * from final
