-- The playbook's channel column is an ordered preference list ('sms|email':
-- SMS first, else email). One row per segment per listed channel, 1 = most
-- preferred. Every part of the list becomes a row, empty or unknown ones
-- included, so the tests beside this model reject a list that names a
-- channel twice, leaves a part empty or names one we do not know.

{%- set channels = consent_channels() %}

with

playbook as (
    select * from {{ ref('segment_offer_playbook') }}
),

-- One position more than there are channels: a longer list cannot be valid
-- (it repeats a channel) and must show up in the tests.
positions as (
    {%- for position in range(1, channels | length + 2) %}
    select {{ position }} as channel_rank
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

preferences_counted as (
    select
        segment_name,
        channel as channel_preferences,
        length(channel) - length(replace(channel, '|', '')) + 1 as listed_channels
    from playbook
),

preferences_split as (
    select
        preferences_counted.segment_name,
        positions.channel_rank,
        lower(trim({{ dbt.split_part(
            'preferences_counted.channel_preferences', "'|'", 'positions.channel_rank'
        ) }})) as channel
    from preferences_counted
    cross join positions
    where positions.channel_rank <= preferences_counted.listed_channels
)

select * from preferences_split
