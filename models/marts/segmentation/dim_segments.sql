-- Every segment name a mart can show, once: the vocabulary of seed segments
-- (RFM rule names, K-Means prototype names, 'No Recent Purchases') and the
-- descriptive names this build gave clusters that fit no prototype. The
-- dashboards and QuickSight read names, order and descriptions from here.

with

vocabulary as (
    select * from {{ ref('segments') }}
),

centroids as (
    select * from {{ ref('int_kmeans_centroids') }}
),

vocabulary_size as (
    select max(display_order) as last_display_order from vocabulary
),

-- Descriptive names come after the vocabulary, best cluster first.
descriptive_cluster_segments as (
    select
        centroids.cluster_name as segment_name,
        'kmeans_descriptive' as scheme,
        vocabulary_size.last_display_order + centroids.cluster_id as display_order,
        'K-Means cluster ' || cast(centroids.cluster_id as {{ dbt.type_string() }})
        || ' fits no prototype name: the name describes its profile'
        || ' relative to the other clusters' as description,
        true as is_descriptive_cluster_name
    from centroids
    cross join vocabulary_size
    left join vocabulary
        on centroids.cluster_name = vocabulary.segment_name
    where vocabulary.segment_name is null
),

all_segments as (
    select
        segment_name,
        scheme,
        display_order,
        description,
        false as is_descriptive_cluster_name
    from vocabulary

    union all

    select * from descriptive_cluster_segments
),

final as (
    select
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(scheme as {{ dbt.type_string() }}) as scheme,
        cast(display_order as integer) as display_order,
        cast(description as {{ dbt.type_string() }}) as description,
        is_descriptive_cluster_name
    from all_segments
)

select * from final
