{#- Fails for every quarantine reason that seeds/reference/dq_reasons.csv
    does not list for this raw table: the seed is the one list of reasons,
    and docs/data_quality.md is checked against it (pytest). -#}
{% test dq_reason_is_listed(model, column_name, source_table) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select dq_reason from {{ ref('dq_reasons') }}
        where source_table = '{{ source_table }}'
    )

{% endtest %}
