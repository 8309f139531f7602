-- The discount each playbook segment is offered. It stays at the playbook's
-- minimum unless a deeper discount inside the playbook range has earned more:
-- its measured (raw, pooled) incremental margin per contact beats the
-- minimum's, and the 95 % interval of the difference lies above zero. The
-- two cells share no member, so var(difference) = se_deep^2 + se_min^2.
-- Raw, not shrunk: shrinkage pulls every discount of a segment toward the
-- same segment value, which would hide the very difference being tested.
-- A minimum that was never measured cannot be beaten: the segment stays at
-- it (exploration) until a campaign sends it.

{%- set z = 1.959963984540054 %}
{#- Discounts are compared as fractions written with 2-4 decimals. -#}
{%- set tolerance = 0.00005 %}

with

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

uplift as (
    select * from {{ ref('int_segment_uplift') }}
),

measured_discounts as (
    select
        segment_name,
        discount_rate,
        raw_incremental_margin_per_contact as margin,
        raw_incremental_margin_per_contact_se as margin_se
    from uplift
    where breakdown = 'discount_rate' and raw_incremental_margin_per_contact_se is not null
),

minimum_measured as (
    select
        playbook.segment_name,
        measured_discounts.margin,
        measured_discounts.margin_se
    from playbook
    inner join measured_discounts
        on
            playbook.segment_name = measured_discounts.segment_name
            and abs(measured_discounts.discount_rate - playbook.min_discount_rate) < {{ tolerance }}
),

deeper_compared as (
    select
        playbook.segment_name,
        measured_discounts.discount_rate,
        measured_discounts.margin,
        measured_discounts.margin - minimum_measured.margin as margin_difference,
        sqrt(
            measured_discounts.margin_se * measured_discounts.margin_se
            + minimum_measured.margin_se * minimum_measured.margin_se
        ) as margin_difference_se
    from playbook
    inner join minimum_measured
        on playbook.segment_name = minimum_measured.segment_name
    inner join measured_discounts
        on playbook.segment_name = measured_discounts.segment_name
    where
        measured_discounts.discount_rate > playbook.min_discount_rate + {{ tolerance }}
        and measured_discounts.discount_rate < playbook.max_discount_rate + {{ tolerance }}
),

deeper_ranked as (
    select
        *,
        margin_difference - {{ z }} * margin_difference_se as margin_difference_ci_lower,
        margin_difference + {{ z }} * margin_difference_se as margin_difference_ci_upper,
        -- Among the deeper discounts that beat the minimum, the best measured
        -- margin; an equal margin goes to the smaller discount.
        row_number() over (
            partition by segment_name
            order by
                case when margin_difference - {{ z }} * margin_difference_se > 0 then 0 else 1 end,
                margin desc,
                discount_rate asc
        ) as preference
    from deeper_compared
),

best_deeper as (
    select * from deeper_ranked
    where preference = 1
),

chosen as (
    select
        playbook.segment_name,
        cast(playbook.min_discount_rate as double) as min_discount_rate,
        cast(playbook.max_discount_rate as double) as max_discount_rate,
        cast(
            case
                when best_deeper.margin_difference_ci_lower > 0 then best_deeper.discount_rate
                else playbook.min_discount_rate
            end as double
        ) as discount_rate,
        case
            when minimum_measured.segment_name is null then 'minimum_not_measured'
            when best_deeper.segment_name is null then 'no_deeper_discount_measured'
            when best_deeper.margin_difference_ci_lower > 0 then 'deeper_discount_beats_minimum'
            else 'deeper_discount_not_better'
        end as discount_reason,
        minimum_measured.margin as minimum_incremental_margin_per_contact,
        best_deeper.discount_rate as best_deeper_discount_rate,
        best_deeper.margin as best_deeper_incremental_margin_per_contact,
        best_deeper.margin_difference,
        best_deeper.margin_difference_ci_lower,
        best_deeper.margin_difference_ci_upper
    from playbook
    left join minimum_measured
        on playbook.segment_name = minimum_measured.segment_name
    left join best_deeper
        on playbook.segment_name = best_deeper.segment_name
)

select * from chosen
