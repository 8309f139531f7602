-- The elbow and silhouette curves behind the K-Means k choice, one row per k
-- tried (int_kmeans_diagnostics). See it with
--   dbt show --select kmeans_k_selection
-- or paste the compiled SQL (dbt compile) into DuckDB or Athena.
--
-- How to read it: inertia always falls as k grows; the elbow is where
-- inertia_drop_share (the share of the previous k's inertia that one more
-- cluster removes) turns small. The chosen k is the largest k whose mean
-- silhouette over the seeded subsamples (subsample_silhouette_mean) is within
-- silhouette_tolerance of the best mean; silhouette, measured once on the
-- full sample, is drawn beside it. runner_up_k, silhouette_gap and warning
-- say how close the choice was. The bars draw both curves (lpad works on
-- DuckDB and Athena alike).

with

diagnostics as (
    select * from {{ ref('int_kmeans_diagnostics') }}
),

curves as (
    select
        k,
        is_chosen,
        choice_reason,
        inertia,
        silhouette,
        subsample_silhouette_mean,
        silhouette_tolerance,
        runner_up_k,
        silhouette_gap,
        warning,
        max(subsample_silhouette_mean) over () - subsample_silhouette_mean
            as mean_silhouette_gap_to_best,
        (lag(inertia) over (order by k) - inertia)
        / nullif(lag(inertia) over (order by k), 0) as inertia_drop_share,
        inertia / nullif(max(inertia) over (), 0) as inertia_share_of_smallest_k
    from diagnostics
),

drawn as (
    select
        *,
        lpad('', cast(round(40 * coalesce(inertia_share_of_smallest_k, 0)) as integer), '#')
            as elbow_bar,
        lpad('', cast(round(40 * greatest(coalesce(silhouette, 0), 0)) as integer), '*')
            as silhouette_bar
    from curves
)

-- An analysis is read by people as a curve, so it is ordered by k (models
-- never are); hence the exception to the last-select-star rule.
select * from drawn  -- noqa: CV13
order by k
