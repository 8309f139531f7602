-- Who is ranked at each cut of int_offer_cuts, in which segment, on which
-- channel. Production: every customer int_customers_contactable gives an
-- offer channel (the first channel of the segment's playbook list the
-- customer consented to). Past cuts (folds, calibration): the same rule with
-- the customer's segment at the cut's month end ('No Recent Purchases' when
-- unscored then) and today's consent (consent has no history), for the
-- evaluation sample only (macro offer_sample_fractions: about
-- var('offer_evaluation_sample_customers') customers, the same ones at every
-- cut), and only customers we knew by then: an order or a web event before
-- the cut.

{%- set channels = consent_channels() %}

with

cuts as (
    select * from {{ ref('int_offer_cuts') }}
),

contactable as (
    select * from {{ ref('int_customers_contactable') }}
),

snapshot_scores as (
    select * from {{ ref('int_customer_snapshots_rfm_scored') }}
),

segment_channels as (
    select * from {{ ref('int_segment_channels_ranked') }}
),

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

web_events as (
    select * from {{ ref('int_web_events_validated') }}
),

sample_fractions as (
    {{ offer_sample_fractions('contactable') }}
),

first_purchases as (
    select
        customer_id,
        min(ordered_date) as first_purchased_date
    from order_lines
    where line_type = 'sale' and customer_id is not null
    group by customer_id
),

first_web_events as (
    select
        customer_id,
        min(occurred_at) as first_event_at
    from web_events
    group by customer_id
),

-- The draw as a column first: compared inside the join condition DuckDB
-- computed it four times slower.
customer_draws as (
    select
        *,
        {{ offer_sample_draw('customer_id') }} as sample_draw
    from contactable
    where is_contactable
),

evaluation_customers as (
    select customer_draws.*
    from customer_draws
    cross join sample_fractions
    where customer_draws.sample_draw < sample_fractions.evaluation_fraction
),

past_cut_customers as (
    select
        cuts.cut_date,
        cuts.cut_role,
        evaluation_customers.customer_id,
        coalesce(snapshot_scores.rfm_segment, {{ no_recent_purchases_segment() }}) as rfm_segment,
        {%- for channel in channels %}
        evaluation_customers.is_{{ channel }}_contactable,
        {%- endfor %}
        coalesce(first_purchases.first_purchased_date < cuts.cut_date, false)
            as has_purchase_history
    from cuts
    cross join evaluation_customers
    left join snapshot_scores
        on
            cuts.month_end_date = snapshot_scores.month_end_date
            and evaluation_customers.customer_id = snapshot_scores.customer_id
    left join first_purchases
        on evaluation_customers.customer_id = first_purchases.customer_id
    left join first_web_events
        on evaluation_customers.customer_id = first_web_events.customer_id
    where
        cuts.cut_role != 'production'
        and (
            first_purchases.first_purchased_date < cuts.cut_date
            or first_web_events.first_event_at < cast(cuts.cut_date as {{ dbt.type_timestamp() }})
        )
),

past_cut_channels as (
    select
        past_cut_customers.cut_date,
        past_cut_customers.customer_id,
        segment_channels.channel,
        row_number() over (
            partition by past_cut_customers.cut_date, past_cut_customers.customer_id
            order by segment_channels.channel_rank
        ) as preference
    from past_cut_customers
    inner join segment_channels
        on past_cut_customers.rfm_segment = segment_channels.segment_name
    where
        case segment_channels.channel
            {%- for channel in channels %}
            when '{{ channel }}' then past_cut_customers.is_{{ channel }}_contactable
            {%- endfor %}
            else false
        end
),

past_cut_ranked as (
    select
        past_cut_customers.cut_date,
        past_cut_customers.cut_role,
        past_cut_customers.customer_id,
        past_cut_customers.rfm_segment,
        past_cut_channels.channel as offer_channel,
        past_cut_customers.has_purchase_history
    from past_cut_customers
    inner join past_cut_channels
        on
            past_cut_customers.cut_date = past_cut_channels.cut_date
            and past_cut_customers.customer_id = past_cut_channels.customer_id
            and past_cut_channels.preference = 1
),

production_ranked as (
    select
        cuts.cut_date,
        cuts.cut_role,
        contactable.customer_id,
        contactable.rfm_segment,
        contactable.offer_channel,
        coalesce(first_purchases.first_purchased_date < cuts.cut_date, false)
            as has_purchase_history
    from cuts
    cross join contactable
    left join first_purchases
        on contactable.customer_id = first_purchases.customer_id
    where cuts.cut_role = 'production' and contactable.offer_channel is not null
),

ranked_customers as (
    select * from production_ranked
    union all
    select * from past_cut_ranked
),

final as (
    select
        ranked_customers.cut_date,
        ranked_customers.cut_role,
        ranked_customers.customer_id,
        ranked_customers.rfm_segment,
        cast(ranked_customers.offer_channel as {{ dbt.type_string() }}) as offer_channel,
        ranked_customers.has_purchase_history,
        cast(playbook.offers_per_customer as integer) as offers_wanted
    from ranked_customers
    inner join playbook
        on ranked_customers.rfm_segment = playbook.segment_name
)

select * from final
