{#- Customer ids that are personal data (email addresses, typically) never
    reach a mart: staging replaces them with their salted hash, the key every
    model and mart then uses, and rfm_restricted.int_customer_ids_mapped (a
    table outside the marts) lets the data owner join back.

    var('customer_ids_are_personal'): true or false decides; auto (the
    default) looks at the raw customers and orders for an id containing '@'. -#}
{% macro customer_ids_are_personal() %}
    {%- set setting = var('customer_ids_are_personal', 'auto') | string | lower -%}
    {%- if setting in ('true', 'false') -%}
        {{ return(setting == 'true') }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set probes = [] -%}
    {%- for table_name in ['customers', 'orders'] if shop_table_provided(table_name) -%}
        {#- The relation from the graph, not source(): a probe is no dependency
            (a unit test of a staging model gives only its own input, and sees
            no graph: no probe there). -#}
        {%- set node = graph.get('sources', {}).get('source.' ~ project_name ~ '.shop.' ~ table_name) -%}
        {%- set relation = none if node is none
            else adapter.get_relation(node.database, node.schema, node.identifier) -%}
        {%- if relation is not none -%}
            {%- do probes.append(
                '(select count(*) from (select 1 from ' ~ relation
                ~ ' where cast(customer_id as ' ~ dbt.type_string() ~ ") like '%@%' limit 1) as probe)"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not probes -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query('select ' ~ probes | join(' + ') ~ ' as email_shaped_ids') -%}
    {#- No row back (an offline Athena stand-in answers nothing): nothing found. -#}
    {{ return(found.rows | length > 0 and found.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- The customer key for a raw id (already raw_text): the id itself, or, when
    ids are personal, the salted hash of the lower-cased id, so
    Jane.Doe@Gmail.com and jane.doe@gmail.com are one customer. -#}
{% macro customer_key(raw_id, personal) -%}
    {%- if personal -%}
        {{ salted_email_hash(raw_id) }}
    {%- else -%}
        {{ raw_id }}
    {%- endif -%}
{%- endmacro %}
