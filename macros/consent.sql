{#- The channels a customer can consent to, in the order columns are named
    (is_<channel>_opt_in, is_<channel>_contactable). One list for models and
    tests; seeds/reference/segment_offer_playbook.csv may name only these. -#}
{% macro consent_channels() -%}
    {{ return(['email', 'sms', 'push']) }}
{%- endmacro %}


{#- One raw row's consent to one channel, never null: true only when at
    least one of `answer_columns` (raw text) is given and every given one is
    a clear yes (parse_boolean). An answer that is not a clear yes ('no',
    'maybe', a typo) blocks, and so does giving none: consent is never
    assumed. With several columns (email: marketing_opt_in and
    email_opt_in), an empty one defers to the others. -#}
{% macro consent_granted(answer_columns) -%}
    case
        when
        {%- for column in answer_columns %}
            {{ column }} is null{% if not loop.last %} and{% endif %}
        {%- endfor %}
            then false
        {%- for column in answer_columns %}
        when {{ column }} is not null and not coalesce({{ parse_boolean(column) }}, false) then false
        {%- endfor %}
        else true
    end
{%- endmacro %}
